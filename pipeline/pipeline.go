// Package pipeline turns one collector.Message into documents in the output:
// decode the containers, parse each report, build flattened documents,
// enrich them in batches, hold them in a spool until the message is fully
// parsed, write them, and tell the source the outcome. A report is delivered
// whole or not at all; a bad report never stops its neighbours.
package pipeline

import (
	"context"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/dmarc-agent/dmarc-agent/collector"
	"github.com/dmarc-agent/dmarc-agent/enrich"
	"github.com/dmarc-agent/dmarc-agent/internal/health"
	"github.com/dmarc-agent/dmarc-agent/mapping"
	"github.com/dmarc-agent/dmarc-agent/output"
	"github.com/dmarc-agent/dmarc-agent/pipeline/spool"
	"github.com/dmarc-agent/dmarc-agent/report/decode"
	"github.com/dmarc-agent/dmarc-agent/report/failure"
)

// Processor handles one message completely and returns its outcome; it does
// not call msg.Ack.
type Processor interface {
	Process(ctx context.Context, msg collector.Message) collector.Outcome
}

// Archiver keeps a raw copy of each delivered report payload.
type Archiver interface {
	// Start begins storing one payload; the pipeline writes the payload bytes
	// through the writer as it parses.
	Start() (ArchiveWriter, error)
}

// ArchiveWriter stores one payload.
type ArchiveWriter interface {
	io.Writer
	// Commit stores the payload under <dir>/YYYY/MM/<sha256>.<ext>, the month
	// of the report's own date; an existing file means already archived.
	Commit(kind mapping.Kind, date time.Time) error
	// Abort discards the payload.
	Abort() error
}

// Tally counts what a summary needs from the documents of one aggregate
// report (see Deps.Tally). It is used by one goroutine at a time.
type Tally interface {
	Add(doc *mapping.AggregateDoc)
}

// Deps are the parts a pipeline uses. Enricher, Archiver and Metrics may be nil.
type Deps struct {
	Output   output.Output
	Enricher enrich.Enricher
	Archiver Archiver
	Metrics  *Metrics
	Logger   *slog.Logger
	// Prefix is the index prefix.
	Prefix  string
	Decode  decode.Options
	Failure failure.Config
	// TempDir holds spool files; "" means os.TempDir().
	TempDir string
	// ArchiveSkip lists report kinds not archived (archive.failure: skip).
	ArchiveSkip map[mapping.Kind]bool
	// OneShot says no one delivers a failed message again (ingest): logs
	// then do not promise a retry.
	OneShot bool
	// Tally (may be nil) returns a fresh counter for each aggregate report:
	// the pipeline gives it every document of the report, and the report's
	// ReportCopy carries it. Only a command that prints statistics sets it,
	// so that `run` does no per-document work for them.
	Tally func() Tally
	// ArchiveFault (may be nil) records archive write failures, which keep
	// their message pending, and is cleared by the next successful commit.
	ArchiveFault *health.Fault
}

// Pipeline processes messages. It is safe for concurrent use.
type Pipeline struct {
	cfg Config
	d   Deps
	log *slog.Logger
	// cpu holds a token per message being parsed: at most Workers at once,
	// however many messages are in flight.
	cpu    chan struct{}
	budget *spool.Budget
	// rejectLevel is the level of the line logged per rejected message.
	rejectLevel slog.Level
	idle        *idleRelease // nil: memory is not released when idle
}

// New returns a pipeline.
func New(cfg Config, d Deps) *Pipeline {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.TempDir == "" {
		d.TempDir = os.TempDir()
	}
	return &Pipeline{cfg: cfg, d: d, log: d.Logger.With("component", "pipeline"),
		cpu: make(chan struct{}, cfg.EffectiveWorkers()), budget: spool.NewBudget(cfg.InFlightMemoryBytes), rejectLevel: slog.LevelWarn}
}

// WithRejectionsAt returns a pipeline that is p logging each rejected
// message at level: ingest, whose summary lists every rejection, logs them
// at debug so that each is printed once.
func (p *Pipeline) WithRejectionsAt(level slog.Level) *Pipeline {
	q := *p
	q.rejectLevel = level
	return &q
}

// Fault describes a current internal fault (the archive cannot be written),
// nil if there is none. Readiness reports it.
func (p *Pipeline) Fault() error { return p.d.ArchiveFault.Err() }

// Process implements Processor.
func (p *Pipeline) Process(ctx context.Context, msg collector.Message) collector.Outcome {
	return p.Deliver(ctx, p.Prepare(ctx, msg)).Outcome
}

// OneShot returns a pipeline that is p for a one-shot run (ingest), whose
// failed messages are reported, not retried.
func (p *Pipeline) OneShot() *Pipeline {
	q := *p
	q.d.OneShot = true
	return &q
}

// WithOutput returns a pipeline that is p with another output (ingest
// --discard measures everything but the output with it).
func (p *Pipeline) WithOutput(o output.Output) *Pipeline {
	q := *p
	q.d.Output = o
	return &q
}

// WithTally returns a pipeline that is p giving each aggregate report's
// documents to a tally from newTally (the ingest summary's statistics).
func (p *Pipeline) WithTally(newTally func() Tally) *Pipeline {
	q := *p
	q.d.Tally = newTally
	return &q
}
