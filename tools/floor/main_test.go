package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const report = `<?xml version="1.0"?>
<feedback><report_metadata><org_name>x</org_name></report_metadata>
<record><row><source_ip>192.0.2.1</source_ip></row></record>
<record ><row/></record>
<records>not one</records><!-- <record> in a comment counts as a tag, not an end tag -->
</feedback>`

// TestTokenizerAcrossReads feeds the tokenizer through buffers of every
// size down to the longest tag: the counts do not change.
func TestTokenizerAcrossReads(t *testing.T) {
	var want counts
	(&tokenizer{buf: make([]byte, 1<<16)}).run(strings.NewReader(report), &want)
	if want.Records != 2 || want.Tags != 20 || want.Bytes != int64(len(report)) {
		t.Fatalf("whole buffer: %+v, want 2 records, 20 tags, %d bytes", want, len(report))
	}
	for size := len("</report_metadata>"); size < 80; size++ { // the longest tag fits
		var got counts
		if err := (&tokenizer{buf: make([]byte, size)}).run(strings.NewReader(report), &got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("buffer of %d: %+v, want %+v", size, got, want)
		}
	}
}

// TestRunGzip reads a gzip file through the agent's decoder, in both modes.
func TestRunGzip(t *testing.T) {
	var z bytes.Buffer
	w := gzip.NewWriter(&z)
	w.Write([]byte(report))
	w.Close()
	p := filepath.Join(t.TempDir(), "r.xml.gz")
	if err := os.WriteFile(p, z.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tok := range []bool{false, true} {
		c, err := run(context.Background(), []string{p}, tok)
		if err != nil {
			t.Fatal(err)
		}
		want := counts{Files: 1, Payloads: 1, Bytes: int64(len(report))}
		if tok {
			want.Tags, want.Records = 20, 2
		}
		if c != want {
			t.Errorf("tokenize=%v: %+v, want %+v", tok, c, want)
		}
	}
}
