// Package gen builds a synthetic, reproducible corpus of DMARC aggregate
// reports for benchmarks: the receivers that send them (Google, Microsoft /
// Outlook.com, Yahoo, Mail.Ru, docomo and a long tail of small receivers),
// their XML layouts, record counts from one to hundreds of thousands, IPv4
// and IPv6 sources, aligned, forwarded, misconfigured and spoofed mail, and
// the forms reports arrive in (XML, gzip, zip, and mail messages).
//
// File i of a corpus depends only on the seed and i, so the same seed gives
// the same bytes whatever the number of workers.
package gen

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
)

// Options describes a corpus.
type Options struct {
	Seed uint64
	// EMLShare is the share of files stored as the mail message that carried
	// the report rather than the attachment alone.
	EMLShare float64
	// MaxRecords caps the records of one ordinary report.
	MaxRecords int
}

// DefaultOptions returns the options bench.sh uses.
func DefaultOptions() Options { return Options{Seed: 1, EMLShare: 0.2, MaxRecords: 50000} }

// File is one generated file.
type File struct {
	Name     string // file name, RFC 7489 style (receiver!domain!begin!end.ext)
	Data     []byte
	Reporter string // reporter key: google, microsoft, outlook, yahoo, mailru, docomo, small
	Form     string // xml, gz, zip or eml
	Records  int
	XMLBytes int64
}

// baseDay is the first day reports cover: a year from 2025-01-01 UTC.
const baseDay = 1735689600

// NewFile generates file i of the corpus.
func NewFile(o Options, i int) (File, error) {
	r := rand.New(rand.NewPCG(o.Seed, uint64(i)))
	rp := pickReporter(r)
	s := newSpec(r, rp, logNormal(r, rp.mu, rp.sigma, o.MaxRecords), baseDay+int64(r.IntN(365))*86400)
	form := rp.forms[r.IntN(len(rp.forms))]
	eml := r.Float64() < o.EMLShare
	var buf bytes.Buffer
	n, name, err := writeForm(&buf, r, &s, form)
	if err != nil {
		return File{}, fmt.Errorf("file %d: %w", i, err)
	}
	f := File{Name: name, Data: buf.Bytes(), Reporter: rp.key, Form: form, Records: s.records, XMLBytes: n}
	if eml {
		var m bytes.Buffer
		if err := writeEML(&m, r, &s, f.Data, name); err != nil {
			return File{}, fmt.Errorf("file %d: %w", i, err)
		}
		f.Data, f.Form = m.Bytes(), "eml"
		f.Name = strings.NewReplacer("!", "_").Replace(s.id) + ".eml"
		f.Name = strings.Trim(strings.NewReplacer("<", "", ">", "", "@", "_").Replace(f.Name), ".")
	}
	return f, nil
}

// Huge writes one Google report of n records as gzip to dst and returns its
// name and XML size. It streams: memory does not grow with n.
func Huge(dst interface{ Write([]byte) (int, error) }, o Options, n int) (name string, xmlBytes int64, err error) {
	r := rand.New(rand.NewPCG(o.Seed, 1<<40))
	s := newSpec(r, reporters[0], n, baseDay)
	s.dom = policyDomains[0]
	xmlBytes, name, err = writeForm(dst, r, &s, "gz")
	return name, xmlBytes, err
}
