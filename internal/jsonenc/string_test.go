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

// TestAppendStringEveryByteEveryPlace puts each of the 256 byte values at
// each place of a string otherwise safe, so that the eight-byte fast path
// meets it in every lane of a word, in the first, second and third word
// and in the tail after the last whole word.
func TestAppendStringEveryByteEveryPlace(t *testing.T) {
	base := []byte("abcdefghijklmnopqrstuvwxyz0123")
	for n := 0; n <= len(base); n++ {
		for p := 0; p < n; p++ {
			for c := range 256 {
				b := bytes.Clone(base[:n])
				b[p] = byte(c)
				s := string(b)
				if got, want := AppendString(nil, s), stdlib(t, s); !bytes.Equal(got, want) {
					t.Fatalf("AppendString(%q) = %s, want %s", s, got, want)
				}
			}
		}
	}
	// multi-byte sequences across a word boundary
	for p := 0; p < 20; p++ {
		for _, seq := range []string{"é", "日", "🎉", "\u2028", "\u2029", "\xe2\x80", "\xed\xa0\x80"} {
			s := string(base[:p]) + seq + string(base[:20-p])
			if got, want := AppendString(nil, s), stdlib(t, s); !bytes.Equal(got, want) {
				t.Fatalf("AppendString(%q) = %s, want %s", s, got, want)
			}
		}
	}
}

func BenchmarkAppendStringShort(b *testing.B) {
	buf := make([]byte, 0, 256)
	for b.Loop() {
		buf = AppendString(buf[:0], "pass")
		buf = AppendString(buf[:0], "example.com")
	}
}
