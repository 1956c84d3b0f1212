package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/dmarc-agent/dmarc-agent/mapping"
	"github.com/dmarc-agent/dmarc-agent/pipeline"
)

// summary accumulates the results of an ingest run.
type summary struct {
	Files       int
	Rejected    []pipeline.Rejection
	Fatal       []string // messages not delivered for reasons other than bad input
	OutputFiles []string
	ReportFile  string // report.html written beside the NDJSON files
	total       pipeline.Result
	openSearch  bool
	// seen holds the key of every report counted: the same report that
	// arrives in several containers (xml, gz, zip, mail) in one run is
	// written once (its ids are the same) and counted once.
	seen    map[[32]byte]bool
	skipped int // copies of reports already counted
	domains map[string]*domainStats
}

func newSummary(openSearch bool) *summary { return &summary{openSearch: openSearch} }

func (s *summary) add(res pipeline.Result) {
	if s.seen == nil {
		s.seen = map[[32]byte]bool{}
	}
	for _, c := range res.Copies {
		if s.seen[c.Key] {
			s.skipped++
			continue
		}
		s.seen[c.Key] = true
		s.total.AddCopy(c)
		if t, ok := c.Tally.(*reportTally); ok {
			if s.domains == nil {
				s.domains = map[string]*domainStats{}
			}
			t.mergeInto(s.domains)
		}
	}
	s.total.Output.Add(res.Output)
	s.Rejected = append(s.Rejected, res.Rejected...)
	if res.Outcome.Err != nil && !res.Outcome.Rejected() {
		s.Fatal = append(s.Fatal, oneLine(res.Outcome.Err.Error()))
	}
}

func (s *summary) exitCode(ctx context.Context) int {
	switch {
	case len(s.Fatal) > 0 || ctx.Err() != nil:
		return ExitFatal
	case len(s.Rejected) > 0 || len(s.total.Output.Failed) > 0:
		return ExitRejected
	}
	return ExitOK
}

// jsonSummary is the --summary json object.
type jsonSummary struct {
	Files     int            `json:"files"`
	Reports   map[string]int `json:"reports"`
	Documents int            `json:"documents"`
	Messages  int64          `json:"messages"`
	// SkippedCopies counts reports not counted again because the same
	// report (same documents) was already counted in this run.
	SkippedCopies int `json:"skipped_copies"`
	// Warnings counts aggregate records kept despite a problem (an
	// unreadable source_ip); Repairs counts what was repaired, by kind.
	Warnings   int                   `json:"warnings"`
	Repairs    map[string]int        `json:"repairs,omitempty"`
	Indexed    *int                  `json:"indexed,omitempty"`
	Duplicates *int                  `json:"duplicates,omitempty"`
	Failed     *int                  `json:"failed,omitempty"`
	Rejected   []pipeline.Rejection  `json:"rejected"`
	Refused    []refused             `json:"refused_documents,omitempty"`
	DeadLetter string                `json:"dead_letter,omitempty"`
	Errors     []string              `json:"errors,omitempty"`
	Domains    map[string]domainJSON `json:"domains"`
	Report     string                `json:"report,omitempty"`
}

type refused struct {
	Index  string `json:"index"`
	ID     string `json:"id"`
	Reason string `json:"reason"`
}

type domainJSON struct {
	Messages   int64         `json:"messages"`
	PassRate   float64       `json:"pass_rate"`
	TopFailing []sourceCount `json:"top_failing_sources"`
}

const topFailing = 5

// maxRefusedLines bounds the refused documents the text summary lists.
const maxRefusedLines = 20

func (s *summary) toJSON() jsonSummary {
	j := jsonSummary{
		Files:         s.Files,
		Reports:       map[string]int{string(mapping.KindAggregate): 0},
		Documents:     s.total.Documents,
		Messages:      s.total.Messages,
		SkippedCopies: s.skipped,
		Warnings:      s.total.Warnings,
		Repairs:       s.total.Repairs,
		Rejected:      s.Rejected,
		Errors:        s.Fatal,
		Domains:       map[string]domainJSON{},
		Report:        s.ReportFile,
	}
	if j.Rejected == nil {
		j.Rejected = []pipeline.Rejection{}
	}
	for k, n := range s.total.Reports {
		j.Reports[string(k)] = n
	}
	if s.openSearch {
		failed := len(s.total.Output.Failed)
		j.Indexed, j.Duplicates, j.Failed = &s.total.Output.Indexed, &s.total.Output.Duplicates, &failed
	}
	for _, f := range s.total.Output.Failed {
		j.Refused = append(j.Refused, refused(f))
	}
	j.DeadLetter = s.total.Output.DeadLetter
	for name, d := range s.domains {
		j.Domains[name] = domainJSON{Messages: d.Messages, PassRate: d.PassRate(), TopFailing: d.TopFailing(topFailing)}
	}
	return j
}

func (s *summary) print(w io.Writer, format string) error {
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		return enc.Encode(s.toJSON())
	}
	var b strings.Builder
	j := s.toJSON()
	kinds := make([]string, 0, len(j.Reports))
	total := 0
	for k, n := range j.Reports {
		total += n
		if n > 0 {
			kinds = append(kinds, fmt.Sprintf("%s %d", k, n))
		}
	}
	slices.Sort(kinds)
	fmt.Fprintf(&b, "files: %d   reports: %d", j.Files, total)
	if len(kinds) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(kinds, ", "))
	}
	fmt.Fprintf(&b, "   documents: %d   messages: %d\n", j.Documents, j.Messages)
	if j.SkippedCopies > 0 {
		fmt.Fprintf(&b, "skipped: %d copies of reports already counted (same report in another file or container)\n", j.SkippedCopies)
	}
	if j.Warnings > 0 {
		fmt.Fprintf(&b, "warnings: %d records kept despite a problem (see the documents' warnings)\n", j.Warnings)
	}
	if len(j.Repairs) > 0 {
		kinds := make([]string, 0, len(j.Repairs))
		for k, n := range j.Repairs {
			kinds = append(kinds, fmt.Sprintf("%s %d", k, n))
		}
		slices.Sort(kinds)
		fmt.Fprintf(&b, "repaired: %s\n", strings.Join(kinds, ", "))
	}
	if s.openSearch {
		fmt.Fprintf(&b, "opensearch: indexed %d, duplicates %d, failed %d\n", *j.Indexed, *j.Duplicates, *j.Failed)
	}
	if len(s.OutputFiles) > 0 {
		fmt.Fprintf(&b, "written: %s\n", printable(strings.Join(s.OutputFiles, ", ")))
	}
	names := make([]string, 0, len(j.Domains))
	for n := range j.Domains {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		d := j.Domains[n]
		fmt.Fprintf(&b, "%s: DMARC pass %.1f%% of %d messages", n, 100*d.PassRate, d.Messages)
		if len(d.TopFailing) > 0 {
			tops := make([]string, 0, len(d.TopFailing))
			for _, t := range d.TopFailing {
				ip := t.IP
				if ip == "" {
					ip = "no source_ip" // records kept without a source
				}
				tops = append(tops, fmt.Sprintf("%s (%d)", ip, t.Messages))
			}
			fmt.Fprintf(&b, "; top failing sources: %s", strings.Join(tops, ", "))
		}
		b.WriteByte('\n')
	}
	for _, r := range j.Rejected {
		fmt.Fprintf(&b, "rejected: %s: %s\n", printable(r.Path), printable(r.Reason))
	}
	if j.Report != "" {
		fmt.Fprintf(&b, "report: %s\n", j.Report)
	}
	for i, r := range j.Refused {
		if i == maxRefusedLines {
			fmt.Fprintf(&b, "refused documents: %d more (--summary json lists them all)\n", len(j.Refused)-i)
			break
		}
		fmt.Fprintf(&b, "refused document %s/%s: %s\n", r.Index, r.ID, printable(r.Reason))
	}
	if len(j.Refused) > 0 {
		fmt.Fprintf(&b, "refused documents kept in: %s\n", j.DeadLetter)
	}
	for _, e := range j.Errors {
		fmt.Fprintf(&b, "error: %s\n", printable(e))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// printable quotes s (Go syntax) when it holds control or other
// non-printing characters, so that a file name never drives the terminal.
func printable(s string) string {
	if strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) && r != ' ' }) < 0 {
		return s
	}
	return strconv.Quote(s)
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
