package pipeline

import (
	"context"

	"github.com/dmarc-agent/dmarc-agent/collector"
)

// Staged is a pipeline in the engine's two phases (engine.Processor):
// Prepare parses in parallel, Deliver writes and gives the outcome, and
// the prepared message then holds its whole Result for an observer.
type Staged struct{ p *Pipeline }

// Staged returns p as a two-phase processor.
func (p *Pipeline) Staged() Staged { return Staged{p} }

// Prepare decodes and parses every report of msg into the spool.
func (s Staged) Prepare(ctx context.Context, msg collector.Message) *Prepared {
	return s.p.Prepare(ctx, msg)
}

// Deliver writes pr's documents and returns the outcome; pr.Result has the rest.
func (s Staged) Deliver(ctx context.Context, pr *Prepared) collector.Outcome {
	res := s.p.Deliver(ctx, pr)
	pr.delivered = &res
	return res.Outcome
}

// Result is what happened to the message once Staged.Deliver returned; the
// zero Result before, or for a nil pr (a message never prepared).
func (pr *Prepared) Result() Result {
	if pr == nil || pr.delivered == nil {
		return Result{}
	}
	return *pr.delivered
}
