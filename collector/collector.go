// Package collector defines how sources hand report-bearing messages to the
// pipeline, and how the pipeline tells them the outcome.
//
// A Source yields Messages. The pipeline decodes, parses, enriches and writes
// every report a message holds, and only then calls Ack. Sources make their
// acknowledgement (state entry, file move, Gmail label) inside Ack and never
// before, so that a crash or an output fault loses nothing: an unacknowledged
// message is delivered again, and deterministic document ids make the
// redelivery harmless.
package collector

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/dmarc-agent/dmarc-agent/report/kind"
)

// Message is one unit a source delivers: a file, or a mail message.
type Message struct {
	// Source names the source ("dir", "gmail", "file").
	Source string
	// ID identifies the message within its source (a path, a Gmail id); used in logs.
	ID string
	// Name is a file name hint (attachment name, file base name). Content is
	// detected from bytes, never from the name.
	Name string
	// Received is when the source received the message (file mtime, Gmail
	// internalDate). Zero if unknown. Failure reports without an arrival date
	// fall back to it.
	Received time.Time
	// Open returns the message's raw bytes. It may be called more than once.
	Open func(ctx context.Context) (io.ReadCloser, error)
	// Ack is called exactly once with the outcome (see Outcome).
	Ack func(ctx context.Context, o Outcome) error
}

// Outcome is what the pipeline did with a message.
type Outcome struct {
	// Err nil: every document of every valid report was acknowledged by the
	// output; the source may mark the message done.
	// Err wrapping ErrNoReport: the message holds no valid report (Reason says
	// why); the source should set it aside (failed folder, failed label).
	// Any other Err: transient; the source must deliver the message again later.
	Err error
	// Reports counts the valid reports found, by kind.
	Reports map[string]int
	// Reason is a one-line explanation when parts of the message were rejected.
	Reason string
	// Refused counts documents the output refused for good (a mapping
	// conflict) and kept in its dead-letter place. With Err nil the message
	// is done all the same: every document is either written or kept there.
	Refused int
}

// ErrNoReport marks a message that holds no valid report (kind.ErrNoReport).
var ErrNoReport = kind.ErrNoReport

// ErrIncomplete marks, together with ErrNoReport, a message whose every
// rejection looks like input that ends early (truncated XML, gzip or zip):
// a file still being written may give it. A source that can tell (the
// watched folder) reads such a message again later instead of setting it
// aside at once.
var ErrIncomplete = errors.New("input ends early")

// Delivered reports whether the source may mark the message done.
func (o Outcome) Delivered() bool { return o.Err == nil }

// Rejected reports whether the message holds no valid report at all.
func (o Outcome) Rejected() bool { return errors.Is(o.Err, ErrNoReport) }

// Source produces messages.
type Source interface {
	// Name is the source's name in logs and metrics.
	Name() string
	// Run sends messages to out until ctx ends. In once mode it returns nil
	// after it has sent everything currently available and seen the Ack of
	// every message it sent. Run must not block forever on out once ctx ends.
	Run(ctx context.Context, out chan<- Message, once bool) error
}
