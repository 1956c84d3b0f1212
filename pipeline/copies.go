package pipeline

import (
	"crypto/sha256"

	"github.com/dmarc-agent/dmarc-agent/mapping"
)

// ReportCopy is what one valid report added to a Result. Key is the same
// for every copy of a report whatever its container (it hashes the kind and
// the content ids of its documents, in order), and differs between reports.
type ReportCopy struct {
	Key       [sha256.Size]byte
	Kind      mapping.Kind
	Documents int
	Messages  int64
	Warnings  int
	Repairs   map[string]int
	// Tally is the report's, when Deps.Tally is set.
	Tally Tally
}

// noteID adds a document id to the report's key.
func (r *Result) noteID(id string) {
	if r.ids == nil {
		r.ids = sha256.New()
	}
	r.ids.Write([]byte(id))
	r.ids.Write([]byte{0})
}

func (r *Result) addRepair(kind string, n int) {
	if r.Repairs == nil {
		r.Repairs = map[string]int{}
	}
	r.Repairs[kind] += n
}

// copyOf returns the ReportCopy of a Result that holds one report of kind k.
func (r *Result) copyOf(k mapping.Kind) ReportCopy {
	c := ReportCopy{Kind: k, Documents: r.Documents, Messages: r.Messages, Warnings: r.Warnings,
		Repairs: r.Repairs, Tally: r.tally}
	h := sha256.New()
	h.Write([]byte(k))
	h.Write([]byte{0})
	if r.ids != nil {
		h.Write(r.ids.Sum(nil))
	}
	h.Sum(c.Key[:0])
	return c
}

// AddCopy adds the counts of one report to r: a run summary adds each
// distinct report once.
func (r *Result) AddCopy(c ReportCopy) {
	r.merge(&Result{
		Reports: map[mapping.Kind]int{c.Kind: 1}, Documents: c.Documents, Messages: c.Messages,
		Warnings: c.Warnings, Repairs: c.Repairs,
		docsByKind: map[mapping.Kind]int{c.Kind: c.Documents},
	})
}
