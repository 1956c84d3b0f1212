package pipeline

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

// Runner is the long-running pipeline: sources feed a bounded queue, a fixed
// number of workers take messages from it, process them, and acknowledge them
// to their source. A full queue blocks the sources, so a slow or absent output
// stops them from reading ahead and memory stays bounded.
type Runner struct {
	cfg     Config
	proc    Processor
	sources []collector.Source
	log     *slog.Logger
	m       *RunMetrics
	refused atomic.Int64
}

// Refused is the number of documents the output refused for good (kept in
// its dead-letter place) in the messages acknowledged so far.
func (r *Runner) Refused() int64 { return r.refused.Load() }

// NewRunner returns a runner. m may be nil (metrics not exported).
func NewRunner(cfg Config, proc Processor, sources []collector.Source, logger *slog.Logger, m *RunMetrics) *Runner {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if m == nil {
		m = NewRunMetrics(nil)
	}
	for _, s := range sources {
		m.InitSource(s.Name())
	}
	return &Runner{cfg: cfg, proc: proc, sources: sources, log: logger.With("component", "pipeline"), m: m}
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
func (r *Runner) Run(ctx context.Context, once bool) error {
	if len(r.sources) == 0 {
		return errors.New("no source is enabled")
	}
	queue := make(chan collector.Message, r.cfg.QueueSize)
	queueLen := func() int { return len(queue) }
	r.m.queueLen.Store(&queueLen)
	defer r.m.queueLen.CompareAndSwap(&queueLen, nil)

	// stopCtx ends on the stop signal or the first source failure; workCtx,
	// given to in-flight processing, outlives it by the shutdown grace.
	stopCtx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	workCtx, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()

	// One goroutine per message in flight; the processor parses at most
	// Workers of them at once, the rest wait for the output.
	inFlight := r.cfg.EffectiveInFlight()
	r.log.Info("pipeline started", "workers", r.cfg.EffectiveWorkers(), "in_flight", inFlight, "queue_size", r.cfg.QueueSize, "sources", len(r.sources), "once", once)

	var wg sync.WaitGroup
	for range inFlight {
		wg.Go(func() { r.work(stopCtx, workCtx, queue) })
	}
	finished := make(chan struct{})
	var graceWG sync.WaitGroup
	graceWG.Go(func() { r.graceTimer(stopCtx, finished, cancelWork) })

	errs := make([]error, len(r.sources))
	var srcWG sync.WaitGroup
	for i, s := range r.sources {
		srcWG.Go(func() {
			err := s.Run(stopCtx, queue, once)
			if err != nil && !(stopCtx.Err() != nil && errors.Is(err, context.Canceled)) {
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
	r.log.Info("pipeline stopped")
	return errors.Join(errs...)
}

// graceTimer cancels in-flight processing once the shutdown grace has passed
// after the stop signal, unless the run finished first.
func (r *Runner) graceTimer(stopCtx context.Context, finished <-chan struct{}, cancelWork context.CancelFunc) {
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
func (r *Runner) work(stopCtx, workCtx context.Context, queue <-chan collector.Message) {
	for msg := range queue {
		if stopCtx.Err() != nil {
			r.m.handedBack.WithLabelValues(msg.Source).Inc()
			r.ack(workCtx, msg, collector.Outcome{Err: ErrShutdown})
			continue
		}
		r.handle(workCtx, msg)
	}
}

func (r *Runner) handle(ctx context.Context, msg collector.Message) {
	start := time.Now()
	r.m.observeStart(msg.Source, msg.Received, start)
	out := r.process(ctx, msg)
	if ctx.Err() != nil {
		// Cancelled past the grace: whatever Process said, nothing proves the
		// output has every document. Redelivery is harmless (same ids).
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
	r.ack(ctx, msg, out)
}

// process calls the processor; a panic becomes a rejection (the message is
// set aside with the reason) rather than a crash or an endless retry.
func (r *Runner) process(ctx context.Context, msg collector.Message) (out collector.Outcome) {
	defer func() {
		if p := recover(); p != nil {
			r.log.Error("processor panicked", "source", msg.Source, "id", msg.ID, "panic", p, "stack", string(debug.Stack()))
			out = collector.Outcome{
				Err:    fmt.Errorf("%w: internal error: %v", collector.ErrNoReport, p),
				Reason: fmt.Sprintf("internal error while processing: %v", p),
			}
		}
	}()
	return r.proc.Process(ctx, msg)
}

func (r *Runner) ack(ctx context.Context, msg collector.Message, out collector.Outcome) {
	if msg.Ack == nil {
		return
	}
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ackTimeout)
	defer cancel()
	if err := msg.Ack(actx, out); err != nil {
		r.log.Error("acknowledging message to its source", "source", msg.Source, "id", msg.ID, "err", err)
	}
}
