// Command corpus writes a reproducible synthetic corpus of DMARC aggregate
// reports for benchmarks (see package gen and scripts/bench.sh).
//
//	go run ./tools/corpus -out DIR -size 200MB        files until 200 MB on disk
//	go run ./tools/corpus -out DIR -files 5000        exactly 5,000 files
//	go run ./tools/corpus -out DIR -huge 1000000      one gzip report of 1,000,000 records
//
// It prints a JSON manifest (files, records, bytes on disk, XML bytes, files
// by reporter and form) on standard output. The same seed and sizes give the
// same bytes.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/dmarc-agent/dmarc-agent/tools/corpus/gen"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "corpus:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("corpus", flag.ContinueOnError)
	o := gen.DefaultOptions()
	out := fs.String("out", "", "output `dir` (created)")
	files := fs.Int("files", 0, "number of files")
	size := fs.String("size", "", "total size on disk, e.g. 200MB or 1GB (units KB, MB, GB of 1024)")
	huge := fs.Int("huge", 0, "write one gzip report of this many records instead")
	workers := fs.Int("workers", 0, "generator goroutines (0: one per core); does not change the output")
	fs.Uint64Var(&o.Seed, "seed", o.Seed, "random seed")
	fs.Float64Var(&o.EMLShare, "eml-share", o.EMLShare, "share of files stored as mail messages")
	fs.IntVar(&o.MaxRecords, "max-records", o.MaxRecords, "records cap of one ordinary report")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("-out is required")
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	var m any
	if *huge > 0 {
		hm, err := writeHuge(*out, o, *huge)
		if err != nil {
			return err
		}
		m = hm
	} else {
		bytes, err := parseSize(*size)
		if err != nil {
			return err
		}
		dm, err := gen.WriteDir(*out, o, *files, bytes, *workers)
		if err != nil {
			return err
		}
		m = dm
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(m)
}

func writeHuge(dir string, o gen.Options, n int) (gen.Manifest, error) {
	tmp, err := os.CreateTemp(dir, ".huge-*")
	if err != nil {
		return gen.Manifest{}, err
	}
	defer os.Remove(tmp.Name())
	name, xmlBytes, err := gen.Huge(tmp, o, n)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return gen.Manifest{}, err
	}
	path := filepath.Join(dir, name)
	if err := os.Rename(tmp.Name(), path); err != nil {
		return gen.Manifest{}, err
	}
	st, err := os.Stat(path)
	if err != nil {
		return gen.Manifest{}, err
	}
	return gen.Manifest{Seed: o.Seed, Files: 1, Records: int64(n), Bytes: st.Size(), XMLBytes: xmlBytes,
		ByReporter: map[string]int{"google": 1}, ByForm: map[string]int{"gz": 1}, Largest: n}, nil
}

func parseSize(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	u := strings.ToUpper(strings.TrimSpace(s))
	mult := int64(1)
	for _, x := range []struct {
		suf string
		m   int64
	}{{"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(u, x.suf) {
			u, mult = strings.TrimSuffix(u, x.suf), x.m
			break
		}
	}
	n, err := strconv.ParseFloat(strings.TrimSpace(u), 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("bad size %q", s)
	}
	return int64(n * float64(mult)), nil
}
