// Command floor measures the floor under dmarc-agent's cost: what reading
// the same report files costs when nothing is made of them. For every file
// under the given folders it runs the decoder the agent runs
// (report/decode.Walk: gzip, zip, MIME, mbox, the same sniffing and
// pools), then either only reads each payload to its end (-mode
// decompress) or also runs a minimal tag tokenizer over it (-mode
// tokenize: find each '<', read the name after it, count the end tags of
// <record>). It prints one JSON line: files, payloads, bytes, tags and
// records (also as "documents", which scripts/bench.sh reads).
//
// It is a benchmark tool: no output, no enrichment, no checks of what the
// XML says. Run it with GOMAXPROCS=1 for the one-core floor.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/dmarc-agent/dmarc-agent/report/decode"
)

type counts struct {
	Files     int   `json:"files"`
	Payloads  int   `json:"payloads"`
	Rejected  int   `json:"rejected"`
	Bytes     int64 `json:"bytes"`
	Tags      int64 `json:"tags"`
	Records   int64 `json:"records"`
	Documents int64 `json:"documents"`
}

func main() {
	mode := flag.String("mode", "tokenize", "decompress (read each payload to its end) or tokenize (and find its tags)")
	flag.Parse()
	if (*mode != "decompress" && *mode != "tokenize") || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: floor [-mode decompress|tokenize] DIR|FILE...")
		os.Exit(2)
	}
	var paths []string
	for _, root := range flag.Args() {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.Type().IsRegular() {
				paths = append(paths, p)
			}
			return err
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, "floor:", err)
			os.Exit(1)
		}
	}
	sort.Strings(paths)
	c, err := run(context.Background(), paths, *mode == "tokenize")
	if err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
	c.Documents = c.Records
	_ = json.NewEncoder(os.Stdout).Encode(c)
}

func run(ctx context.Context, paths []string, tokenize bool) (counts, error) {
	var c counts
	t := &tokenizer{buf: make([]byte, 64<<10)}
	// No caps: the floor reads whatever the agent is configured to read.
	opt := decode.Options{MaxBytes: 1 << 62, MaxMessageBytes: 1 << 62}
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return c, err
		}
		c.Files++
		err = decode.Walk(ctx, f, filepath.Base(p), opt, func(_ context.Context, part decode.Part) error {
			c.Payloads++
			if tokenize {
				return t.run(part.Body, &c)
			}
			n, err := io.CopyBuffer(io.Discard, onlyReader{part.Body}, t.buf)
			c.Bytes += n
			return err
		}, func(string, error) { c.Rejected++ })
		f.Close()
		if err != nil {
			return c, fmt.Errorf("%s: %w", p, err)
		}
	}
	return c, nil
}

// onlyReader hides any WriterTo, so that every payload is read through the
// same buffer.
type onlyReader struct{ io.Reader }

// tokenizer finds the tags of an XML stream: each '<', the name after it
// (after a '/' for an end tag). It does not look at attributes, text,
// comments or entities.
type tokenizer struct{ buf []byte }

func (t *tokenizer) run(r io.Reader, c *counts) error {
	buf, n, eof := t.buf, 0, false
	for {
		if !eof {
			m, err := io.ReadFull(r, buf[n:])
			n += m
			c.Bytes += int64(m)
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				eof = true
			} else if err != nil {
				return err
			}
		}
		keep := t.scan(buf[:n], eof, c)
		if eof {
			return nil
		}
		if keep == n { // one name fills the buffer: drop it
			keep = 0
		}
		n = copy(buf, buf[n-keep:n])
	}
}

// scan counts the tags of b and returns how many bytes at its end hold a
// tag whose name may go on in the next read.
func (t *tokenizer) scan(b []byte, eof bool, c *counts) int {
	i := 0
	for {
		j := bytes.IndexByte(b[i:], '<')
		if j < 0 {
			return 0
		}
		start := i + j
		k := start + 1
		end := k < len(b) && b[k] == '/'
		if end {
			k++
		}
		name := k
		for k < len(b) && !isNameEnd(b[k]) {
			k++
		}
		if k == len(b) && !eof {
			return len(b) - start
		}
		c.Tags++
		if end && string(b[name:k]) == "record" {
			c.Records++
		}
		i = k
	}
}

func isNameEnd(b byte) bool {
	return b == '>' || b == '/' || b == ' ' || b == '\t' || b == '\n' || b == '\r'
}
