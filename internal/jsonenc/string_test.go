package jsonenc

import (
	"bytes"
	"encoding/json"
	"math/rand"
	"reflect"
	"testing"
	"testing/quick"
)

// stdlib is the reference: encoding/json with SetEscapeHTML(false).
func stdlib(t testing.TB, s string) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte{'\n'})
}

var samples = []string{
	"", "plain", `quote " and \ backslash`, "<script>&amp;</script>",
	"tab\tnewline\nreturn\r\b\f\x00\x01\x1f\x7f", "é, ü, 日本, 😀",
	"line\u2028para\u2029", "bad \xff\xfe utf-8 \xc3", "\xed\xa0\x80 surrogate half",
	"truncated \xe2\x82", "\ufffd already replaced",
}

func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range samples {
		if got, want := AppendString(nil, s), stdlib(t, s); !bytes.Equal(got, want) {
			t.Errorf("AppendString(%q) = %s, want %s", s, got, want)
		}
	}
}

// arbitraryBytes generates strings of any bytes (testing/quick's strings
// are valid UTF-8 only), weighted towards the bytes that need care.
type arbitraryBytes string

func (arbitraryBytes) Generate(r *rand.Rand, size int) reflect.Value {
	special := []byte{'"', '\\', '<', '>', '&', 0, '\n', 0x1f, 0x7f, 0x80, 0xc3, 0xe2, 0xed, 0xff}
	b := make([]byte, r.Intn(size+1))
	for i := range b {
		switch r.Intn(4) {
		case 0:
			b[i] = special[r.Intn(len(special))]
		case 1:
			b[i] = byte(r.Intn(256))
		default:
			b[i] = byte(' ' + r.Intn(95))
		}
	}
	if r.Intn(4) == 0 { // a U+2028/U+2029 somewhere
		b = append(b, "\u2028\u2029"[3*r.Intn(2):][:3]...)
	}
	return reflect.ValueOf(arbitraryBytes(b))
}

func TestAppendStringProperty(t *testing.T) {
	prop := func(s arbitraryBytes, utf8 string, prefix []byte) bool {
		for _, v := range []string{string(s), utf8} {
			got := AppendString(bytes.Clone(prefix), v)
			want := append(bytes.Clone(prefix), stdlib(t, v)...)
			if !bytes.Equal(got, want) {
				t.Logf("AppendString(%q) = %s, want %s", v, got, want)
				return false
			}
		}
		return true
	}
	if err := quick.Check(prop, &quick.Config{MaxCount: 5000}); err != nil {
		t.Fatal(err)
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range samples {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := AppendString(nil, s), stdlib(t, s); !bytes.Equal(got, want) {
			t.Fatalf("AppendString(%q) = %s, want %s", s, got, want)
		}
	})
}

func BenchmarkAppendString(b *testing.B) {
	buf := make([]byte, 0, 256)
	for b.Loop() {
		buf = AppendString(buf[:0], "google.com!example.com!1700000000!1700086399")
	}
}
