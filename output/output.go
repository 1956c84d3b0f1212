// Package output defines what the pipeline hands to an output and what it
// gets back. Implementations live in sub-packages (opensearch, file).
package output

import (
	"context"
	"iter"
)

// Doc is one encoded document ready for a bulk request.
type Doc struct {
	Index string
	ID    string
	Body  []byte // the JSON document, without a trailing newline
}

// Failure is a document that the output refused for good (for example a
// mapping error). Retrying it would not help. The output keeps it, with the
// reason, in its dead-letter place (Result.DeadLetter) before it reports it.
type Failure struct {
	Index  string `json:"index"`
	ID     string `json:"id"`
	Reason string `json:"reason"`
}

// Result counts what happened to the documents of one Write.
type Result struct {
	Indexed    int       // newly written (or overwritten in reindex mode)
	Duplicates int       // already present: create answered 409
	Failed     []Failure // permanently refused, and kept in DeadLetter
	// DeadLetter names where the Failed documents are kept, whole and with
	// their reasons (an index or a file); "" when none was refused.
	DeadLetter string
}

// Add merges r2 into r.
func (r *Result) Add(r2 Result) {
	r.Indexed += r2.Indexed
	r.Duplicates += r2.Duplicates
	r.Failed = append(r.Failed, r2.Failed...)
	if r.DeadLetter == "" {
		r.DeadLetter = r2.DeadLetter
	}
}

// Origin names the message a Write's documents come from; outputs record
// it with the documents they refuse.
type Origin struct {
	Source string `json:"source"`
	ID     string `json:"message_id"`
}

type originKey struct{}

// WithOrigin returns ctx carrying the origin of the documents written with it.
func WithOrigin(ctx context.Context, o Origin) context.Context {
	return context.WithValue(ctx, originKey{}, o)
}

// OriginFrom returns the origin WithOrigin put in ctx (zero when none).
func OriginFrom(ctx context.Context) Origin {
	o, _ := ctx.Value(originKey{}).(Origin)
	return o
}

// Output writes documents.
//
// Write consumes docs and returns once every document has been acknowledged:
// indexed, found to be a duplicate, or permanently refused and kept in the
// output's dead-letter place (listed in Result.Failed). A refused document
// that cannot be kept is not acknowledged: Write returns an error. Transient faults (cluster down, 429, 5xx) are retried inside
// Write with backoff until ctx ends or the output's retry budget runs out; a
// non-nil error then means some documents may not be written, and the caller
// must not acknowledge the source of those documents. If docs yields an error,
// Write stops reading and returns it.
//
// Write is safe for concurrent use; implementations may combine documents of
// concurrent calls into one bulk request.
type Output interface {
	Write(ctx context.Context, docs iter.Seq2[Doc, error]) (Result, error)
	// Ready reports whether the output can take writes now (for /readyz).
	Ready(ctx context.Context) error
	// Close flushes and releases resources. Safe to call twice.
	Close(ctx context.Context) error
}

// Streaming is implemented by outputs that drain at once and need no order
// between Writes (a cluster, Discard): a message too large to hold in
// memory may then be handed over in several Writes, as its documents are
// produced, instead of being spilled to disk first. Outputs that must keep
// documents in input order (NDJSON files) do not implement it.
type Streaming interface {
	Output
	// DrainsAtOnce marks the output; it does nothing.
	DrainsAtOnce()
}
