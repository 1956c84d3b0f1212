package gen

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/dmarc-agent/dmarc-agent/mapping"
	"github.com/dmarc-agent/dmarc-agent/report/aggregate"
	"github.com/dmarc-agent/dmarc-agent/report/decode"
)

// parseFile runs a generated file through the real decoder and parser and
// returns its records and IPv6 records.
func parseFile(t *testing.T, f File) (records, ipv6 int) {
	t.Helper()
	err := decode.Walk(context.Background(), bytes.NewReader(f.Data), f.Name, decode.Options{MaxBytes: 1 << 30},
		func(_ context.Context, p decode.Part) error {
			if p.Kind != mapping.KindAggregate {
				t.Fatalf("%s: part %s is %s", f.Name, p.Name, p.Kind)
			}
			_, err := aggregate.Parse(p.Body, func(_ *aggregate.Report, rec *aggregate.Record) error {
				records++
				if rec.SourceIP.Is6() {
					ipv6++
				}
				return nil
			})
			return err
		},
		func(name string, err error) { t.Fatalf("%s rejected: %v", name, err) })
	if err != nil {
		t.Fatalf("%s: %v", f.Name, err)
	}
	return records, ipv6
}

// TestFilesParse: every file of a corpus prefix decodes and parses to the
// record count the generator reports, and the prefix has the variety it
// promises.
func TestFilesParse(t *testing.T) {
	o := DefaultOptions()
	forms, reporters := map[string]int{}, map[string]int{}
	var records, ipv6 int
	for i := range 400 {
		f, err := NewFile(o, i)
		if err != nil {
			t.Fatal(err)
		}
		n, v6 := parseFile(t, f)
		if n != f.Records {
			t.Fatalf("file %d %s: parsed %d records, generator says %d", i, f.Name, n, f.Records)
		}
		forms[f.Form]++
		reporters[f.Reporter]++
		records += n
		ipv6 += v6
	}
	for _, form := range []string{"xml", "gz", "zip", "eml"} {
		if forms[form] == 0 {
			t.Errorf("no %s file in 400", form)
		}
	}
	for _, rp := range []string{"google", "microsoft", "outlook", "yahoo", "mailru", "docomo", "small"} {
		if reporters[rp] == 0 {
			t.Errorf("no report from %s in 400 files", rp)
		}
	}
	if share := float64(ipv6) / float64(records); share < 0.03 || share > 0.2 {
		t.Errorf("IPv6 share %.3f outside 3-20%%", share)
	}
}

// TestSameSeedSameBytes: a corpus does not depend on the number of workers,
// a file does not depend on the files before it, and another seed gives
// other bytes.
func TestSameSeedSameBytes(t *testing.T) {
	o := DefaultOptions()
	sums := func(dir string) map[string][32]byte {
		out := map[string][32]byte{}
		filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				b, _ := os.ReadFile(p)
				rel, _ := filepath.Rel(dir, p)
				out[rel] = sha256.Sum256(b)
			}
			return err
		})
		return out
	}
	a, b := t.TempDir(), t.TempDir()
	ma, err := WriteDir(a, o, 150, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	mb, err := WriteDir(b, o, 150, 0, 4)
	if err != nil {
		t.Fatal(err)
	}
	sa, sb := sums(a), sums(b)
	if len(sa) != 150 || fmt.Sprint(sa) != fmt.Sprint(sb) || fmt.Sprint(ma) != fmt.Sprint(mb) {
		t.Fatalf("1 and 4 workers differ (%d and %d files)", len(sa), len(sb))
	}
	f99, _ := NewFile(o, 99)
	if got := sa[fmt.Sprintf("0000/%07d-%s", 99, f99.Name)]; got != sha256.Sum256(f99.Data) {
		t.Fatal("file 99 generated alone differs from file 99 of the corpus")
	}
	o2 := o
	o2.Seed = 2
	g2, _ := NewFile(o2, 99)
	if bytes.Equal(g2.Data, f99.Data) {
		t.Fatal("seed 2 gave the bytes of seed 1")
	}
}

// TestWriteDirSize: a size bound stops at the first file that reaches it.
func TestWriteDirSize(t *testing.T) {
	m, err := WriteDir(t.TempDir(), DefaultOptions(), 0, 200<<10, 2)
	if err != nil {
		t.Fatal(err)
	}
	last, _ := NewFile(DefaultOptions(), m.Files-1)
	if m.Bytes < 200<<10 || m.Bytes-int64(len(last.Data)) >= 200<<10 {
		t.Fatalf("%d files, %d bytes: not the first prefix reaching 200 KiB", m.Files, m.Bytes)
	}
}

// TestHuge: the large report streams and parses to exactly n records.
func TestHuge(t *testing.T) {
	var buf bytes.Buffer
	name, xmlBytes, err := Huge(&buf, DefaultOptions(), 3000)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := parseFile(t, File{Name: name, Data: buf.Bytes()})
	if n != 3000 || xmlBytes < 3000*300 {
		t.Fatalf("%s: %d records, %d XML bytes", name, n, xmlBytes)
	}
}

func BenchmarkNewFile(b *testing.B) {
	o := DefaultOptions()
	var xml int64
	for i := 0; b.Loop(); i++ {
		f, err := NewFile(o, i%500)
		if err != nil {
			b.Fatal(err)
		}
		xml += f.XMLBytes
	}
	b.SetBytes(xml / int64(b.N))
}
