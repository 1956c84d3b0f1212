package pipeline

// TEMPORARY (agent branch): the lead declares these in pipeline/process.go.
// They are repeated here, word for word from the agreed contract, only so that
// the runner compiles and is tested before process.go lands. Delete this file
// when merging main (the declarations would otherwise be duplicated).

import (
	"context"
	"io"
	"time"

	"github.com/dmarc-agent/dmarc-agent/collector"
	"github.com/dmarc-agent/dmarc-agent/mapping"
)

// Processor handles one message completely.
type Processor interface {
	// Process handles one message completely and returns its outcome; it does not call msg.Ack.
	Process(ctx context.Context, msg collector.Message) collector.Outcome
}

// Archiver is what Process uses to keep a raw copy of each delivered report payload.
type Archiver interface {
	// Start begins storing one report payload; Process writes the payload bytes through w as it parses.
	Start() (ArchiveWriter, error)
}

// ArchiveWriter stores one report payload.
type ArchiveWriter interface {
	io.Writer
	// Commit stores the payload under <dir>/YYYY/MM/<sha256 of payload>.<ext>.
	Commit(kind mapping.Kind, date time.Time) error
	Abort() error
}
