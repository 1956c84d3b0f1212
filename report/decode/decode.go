// Package decode finds report payloads inside whatever container they arrive
// in: plain XML or JSON, gzip, zip, MIME messages (.eml) with the report as an
// attachment, inline, in a nested message/rfc822, or as the whole body, in
// base64 or quoted-printable, and mbox files holding many messages. Content is
// recognised by its bytes (magic numbers, MIME types, the XML root element),
// never by a file name alone.
package decode

import (
	"context"
	"io"

	"github.com/dmarc-agent/dmarc-agent/report/kind"
)

// DefaultMaxBytes caps the decompressed size of one payload (zip and gzip bombs).
const DefaultMaxBytes = 64 << 20

// DefaultMaxMessageBytes caps the bytes decompressed from one input in all:
// every gzip layer and zip entry of a zip, a mail or an mbox together.
const DefaultMaxMessageBytes = 1 << 30

// Options bound the work done on one input.
type Options struct {
	// MaxBytes caps the decompressed bytes of one payload; 0 means DefaultMaxBytes.
	MaxBytes int64
	// MaxMessageBytes caps the bytes decompressed from the whole input
	// (all its zip entries and gzip layers); 0 means DefaultMaxMessageBytes.
	MaxMessageBytes int64
}

// Part is one report payload.
type Part struct {
	// Name is the chain of names through containers, joined by "/", such as
	// "mail.eml/google.com!example.com!1700000000!1700086399.zip/google.com!example.com!1700000000!1700086399.xml".
	Name string
	// Kind is the detected report kind.
	Kind kind.Kind
	// Body yields the decoded payload: the XML of an aggregate report, the JSON
	// of an SMTP TLS report, or the whole MIME message of a failure report.
	// Reading past Options.MaxBytes fails with an error wrapping ErrTooLarge.
	// Body is valid only during the callback.
	Body io.Reader
	// Repairs returns the container repairs (the Repair* kinds) met on the
	// way to this payload. Some are only found at the end of a container,
	// so call it after Body was read to its end, within the callback.
	Repairs func() []string
}

// Container repair kinds (Part.Repairs).
const (
	// RepairGzipTrailing: bytes after the end of a gzip member were
	// ignored, as `gzip -d` does ("trailing garbage ignored").
	RepairGzipTrailing = "gzip_trailing_garbage"
	// RepairMIMEUnterminated: a multipart entity had no closing boundary;
	// its last part, complete, was read.
	RepairMIMEUnterminated = "mime_unterminated"
)

// Handler receives each payload. Returning an error stops the walk and Walk
// returns that error.
type Handler func(ctx context.Context, p Part) error

// Rejecter receives each piece that could not be decoded (corrupt gzip,
// truncated zip, a message with no report): name as in Part.Name, and the
// reason as an error whose text is one line. The walk goes on with the next
// piece. The reason for a piece over Options.MaxBytes matches
// kind.ErrTooLarge with errors.Is; the reason for a message holding no
// report matches kind.ErrNoReport.
type Rejecter func(name string, reason error)
