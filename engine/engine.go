// Package engine is the one engine behind `run` and `ingest`: sources feed
// a bounded queue, messages are prepared in parallel and delivered (in the
// order they arrived when the output needs it), and each outcome is
// acknowledged to its source. It knows nothing of reports: what a message
// becomes is the Processor's business (package pipeline).
package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dmarc-agent/dmarc-agent/collector"
)

// ErrShutdown is the transient outcome of a message the runner hands back to
// its source at shutdown: it was queued but not processed, or its processing
// outlived the shutdown grace. The source delivers it again at the next start.
var ErrShutdown = errors.New("agent shutting down")

// ackTimeout bounds one source acknowledgement (a state write, a file move, a
// Gmail label). Acks run on a context that survives the stop signal so that a
// finished message is recorded even while the agent stops.
const ackTimeout = 30 * time.Second

// Processor handles one message in two phases. Prepare (decode, parse,
// spool) runs for many messages at once; Deliver (write to the output) is
// called exactly once for each prepared message, in arrival order when the
// runner is ordered. Neither calls msg.Ack.
type Processor[P any] interface {
	Prepare(ctx context.Context, msg collector.Message) P
	Deliver(ctx context.Context, p P) collector.Outcome
}

// Func is a one-phase processor: Prepare keeps the message, Deliver
// processes it.
type Func func(ctx context.Context, msg collector.Message) collector.Outcome

// Prepare implements Processor.
func (Func) Prepare(_ context.Context, msg collector.Message) collector.Message { return msg }

// Deliver implements Processor.
func (f Func) Deliver(ctx context.Context, msg collector.Message) collector.Outcome {
	return f(ctx, msg)
}

// Observer is told each message's final outcome, once its source has been
// told (an acknowledgement error turns a delivered outcome into a failed
// one). p is what Prepare returned, the zero P if the message was handed
// back before it was prepared or Prepare panicked. Calls never overlap; an
// ordered runner makes them in arrival order.
type Observer[P any] func(msg collector.Message, p P, out collector.Outcome)

// Config is how the runner runs.
type Config struct {
	// InFlight is how many messages are between their source and their
	// acknowledgement at once (being prepared, or waiting for delivery).
	InFlight int
	// QueueSize bounds the messages waiting between sources and the runner.
	QueueSize int
	// ShutdownGrace is how long messages in flight may finish after a stop.
	ShutdownGrace time.Duration
	// Ordered delivers messages in the order they arrived (NDJSON files:
	// same inputs, same bytes). They are still prepared in parallel.
	Ordered bool
}

// Runner is the engine: a fixed number of goroutines take messages from the
// queue, prepare, deliver and acknowledge them. A full queue blocks the
// sources, so a slow or absent output stops them from reading ahead and
// memory stays bounded.
type Runner[P any] struct {
	cfg     Config
	proc    Processor[P]
	sources []collector.Source
	log     *slog.Logger
	m       *RunMetrics
	observe Observer[P]
	refused atomic.Int64

	mu       sync.Mutex
	stopRead context.CancelFunc // of the current Run's sources
	stopped  bool               // StopReading was called during this Run
	obsMu    sync.Mutex         // serialises observe
}

// NewRunner returns a runner. logger and m may be nil (metrics not exported).
func NewRunner[P any](cfg Config, proc Processor[P], sources []collector.Source, logger *slog.Logger, m *RunMetrics) *Runner[P] {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if m == nil {
		m = NewRunMetrics(nil)
	}
	for _, s := range sources {
		m.InitSource(s.Name())
	}
	cfg.InFlight = max(cfg.InFlight, 1)
	return &Runner[P]{cfg: cfg, proc: proc, sources: sources, log: logger.With("component", "engine"), m: m}
}

// Observe sets the observer (call before Run).
func (r *Runner[P]) Observe(o Observer[P]) { r.observe = o }

// Refused is the number of documents the output refused for good (kept in
// its dead-letter place) in the messages acknowledged so far.
func (r *Runner[P]) Refused() int64 { return r.refused.Load() }

// StopReading stops the sources of the current Run without stopping the
// run: what they have sent is still processed, nothing is handed back, and
// Run returns once it is done (ingest stops reading inputs at the first
// message the output could not take).
func (r *Runner[P]) StopReading() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stopped = true
	if r.stopRead != nil {
		r.stopRead()
	}
}

// Run runs every source and the workers.
//
// Without once, it runs until ctx ends or a source fails. On stop, workers
// take no new work; queued messages are handed back to their source with a
// transient outcome (ErrShutdown); messages being processed may finish within
// Config.ShutdownGrace, after which their context is cancelled and they are
// handed back too. Run returns when every source has returned and every
// message it sent has been acknowledged.
//
// With once, each source sends what is available now and returns once it has
// seen every acknowledgement; Run then returns.
//
// The error is nil on a clean stop, or names each source that failed.
func (r *Runner[P]) Run(ctx context.Context, once bool) error {
	if len(r.sources) == 0 {
		return errors.New("no source is enabled")
	}
	queue := make(chan collector.Message, r.cfg.QueueSize)
	queueLen := func() int { return len(queue) }
	r.m.queueLen.Store(&queueLen)
	defer r.m.queueLen.CompareAndSwap(&queueLen, nil)

	// stopCtx ends on the stop signal or the first source failure; workCtx,
	// given to in-flight processing, outlives it by the shutdown grace;
	// readCtx, the sources', also ends on StopReading.
	stopCtx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	workCtx, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	readCtx, stopRead := context.WithCancel(stopCtx)
	defer stopRead()
	r.mu.Lock()
	r.stopRead, r.stopped = stopRead, false
	r.mu.Unlock()

	// A one-shot run's own summary or log lines say when it starts and ends.
	lifecycle := slog.LevelInfo
	if once {
		lifecycle = slog.LevelDebug
	}
	r.log.Log(ctx, lifecycle, "engine started", "in_flight", r.cfg.InFlight, "queue_size", r.cfg.QueueSize,
		"sources", len(r.sources), "once", once, "ordered", r.cfg.Ordered)

	d := newDispatch(queue, r.cfg.Ordered)
	var wg sync.WaitGroup
	if r.cfg.Ordered {
		wg.Go(d.number)
	}
	for range r.cfg.InFlight {
		wg.Go(func() { r.work(stopCtx, workCtx, d) })
	}
	finished := make(chan struct{})
	var graceWG sync.WaitGroup
	graceWG.Go(func() { r.graceTimer(stopCtx, finished, cancelWork) })

	errs := make([]error, len(r.sources))
	var srcWG sync.WaitGroup
	for i, s := range r.sources {
		srcWG.Go(func() {
			err := s.Run(readCtx, queue, once)
			if err != nil && !(readCtx.Err() != nil && errors.Is(err, context.Canceled)) {
				errs[i] = fmt.Errorf("source %s: %w", s.Name(), err)
				r.log.Error("source failed; stopping", "source", s.Name(), "err", err)
				stop(errs[i])
			}
		})
	}
	srcWG.Wait()
	close(queue)
	wg.Wait()
	close(finished)
	graceWG.Wait()
	r.mu.Lock()
	r.stopRead = nil
	r.mu.Unlock()
	r.log.Log(ctx, lifecycle, "engine stopped")
	return errors.Join(errs...)
}

// graceTimer cancels in-flight processing once the shutdown grace has passed
// after the stop signal, unless the run finished first.
func (r *Runner[P]) graceTimer(stopCtx context.Context, finished <-chan struct{}, cancelWork context.CancelFunc) {
	select {
	case <-finished:
		return
	case <-stopCtx.Done():
	}
	r.log.Info("stopping: finishing messages in flight", "grace", r.cfg.ShutdownGrace)
	t := time.NewTimer(r.cfg.ShutdownGrace)
	defer t.Stop()
	select {
	case <-finished:
	case <-t.C:
		r.log.Warn("shutdown grace elapsed; cancelling messages in flight (they will be delivered again)")
		cancelWork()
	}
}

// work takes messages until the queue is closed. After the stop signal it
// hands every message back instead of processing it.
func (r *Runner[P]) work(stopCtx, workCtx context.Context, d *dispatch) {
	for {
		msg, seq, ok := d.take()
		if !ok {
			return
		}
		if stopCtx.Err() != nil {
			r.m.handedBack.WithLabelValues(msg.Source).Inc()
			var zero P
			d.inTurn(seq, func() { r.finish(workCtx, msg, zero, collector.Outcome{Err: ErrShutdown}) })
			continue
		}
		r.handle(workCtx, msg, seq, d)
	}
}

func (r *Runner[P]) handle(ctx context.Context, msg collector.Message, seq uint64, d *dispatch) {
	start := time.Now()
	r.m.observeStart(msg.Source, msg.Received, start)
	p, out, prepared := r.prepare(ctx, msg)
	d.inTurn(seq, func() {
		if prepared {
			out = r.deliver(ctx, msg, p)
		}
		if ctx.Err() != nil {
			// Cancelled past the grace: whatever Deliver said, nothing proves
			// the output has every document. Redelivery is harmless (same ids).
			out = collector.Outcome{Err: fmt.Errorf("%w: shutdown grace elapsed while processing", ErrShutdown)}
			r.m.handedBack.WithLabelValues(msg.Source).Inc()
			r.log.Warn("message handed back at shutdown; it will be delivered again", "source", msg.Source, "id", msg.ID)
		}
		// The outcome itself was logged by the processor (one line per message).
		if out.Err == nil {
			r.refused.Add(int64(out.Refused))
		}
		end := time.Now()
		r.m.observeEnd(msg.Source, out.Delivered(), end.Sub(start), end)
		r.finish(ctx, msg, p, out)
	})
}

// prepare calls Prepare; a panic becomes a rejection (prepared false).
func (r *Runner[P]) prepare(ctx context.Context, msg collector.Message) (p P, out collector.Outcome, prepared bool) {
	defer func() {
		if v := recover(); v != nil {
			out, prepared = r.panicked(msg, v), false
		}
	}()
	return r.proc.Prepare(ctx, msg), collector.Outcome{}, true
}

// deliver calls Deliver; a panic becomes a rejection (the message is set
// aside with the reason) rather than a crash or an endless retry.
func (r *Runner[P]) deliver(ctx context.Context, msg collector.Message, p P) (out collector.Outcome) {
	defer func() {
		if v := recover(); v != nil {
			out = r.panicked(msg, v)
		}
	}()
	return r.proc.Deliver(ctx, p)
}

func (r *Runner[P]) panicked(msg collector.Message, v any) collector.Outcome {
	r.log.Error("processor panicked", "source", msg.Source, "id", msg.ID, "panic", v, "stack", string(debug.Stack()))
	return collector.Outcome{
		Err:    fmt.Errorf("%w: internal error: %v", collector.ErrNoReport, v),
		Reason: fmt.Sprintf("internal error while processing: %v", v),
	}
}

// finish acknowledges the outcome to the source, then tells the observer.
func (r *Runner[P]) finish(ctx context.Context, msg collector.Message, p P, out collector.Outcome) {
	if err := r.ack(ctx, msg, out); err != nil && out.Err == nil {
		out.Err = fmt.Errorf("acknowledging %s: %w", msg.ID, err)
	}
	if r.observe != nil {
		r.obsMu.Lock()
		defer r.obsMu.Unlock()
		r.observe(msg, p, out)
	}
}

func (r *Runner[P]) ack(ctx context.Context, msg collector.Message, out collector.Outcome) error {
	if msg.Ack == nil {
		return nil
	}
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ackTimeout)
	defer cancel()
	err := msg.Ack(actx, out)
	if err != nil {
		r.log.Error("acknowledging message to its source", "source", msg.Source, "id", msg.ID, "err", err)
	}
	return err
}
