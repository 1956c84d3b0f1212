package opensearch

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/dmarc-agent/dmarc-agent/internal/retry"
)

// backoffWait is jittered exponential backoff: after stalls attempts in a
// row that wrote nothing, the wait is d·jitter with d = initial·2^(stalls-1)
// capped at max (d = initial when stalls is 0), and jitter drawn from
// [0.5, 1.5) by newJitter. The exponent is retry.Interval's; the jitter is
// this output's own: one factor drawn per attempt and shared by all its
// documents, so that those at the same level come back together and merge
// (retry.Backoff draws per call, within [d/2, d]).
func backoffWait(c RetryConfig, stalls int, jitter float64) time.Duration {
	d := retry.Interval(c.InitialInterval, c.MaxInterval, stalls-1)
	return time.Duration(float64(d) * jitter)
}

func newJitter() float64 { return 0.5 + rand.Float64() }

// faults remembers why documents are waiting to be sent again, for /readyz
// and for one log line when writes start being refused and one when they
// are accepted again (never a line per document or per attempt).
type faults struct {
	o *Output

	mu      sync.Mutex
	label   string
	err     error
	since   time.Time
	retried int // documents sent again since the fault began
}

func (f *faults) fault(label string, err error, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.since.IsZero() {
		f.since = time.Now()
		f.o.logger.Warn("OpenSearch refuses writes for now; documents wait and are retried with backoff", "reason", label, "err", err)
	}
	f.label, f.err = label, err
	f.retried += n
}

// ok records an attempt that left nothing to retry.
func (f *faults) ok() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.since.IsZero() || f.o.metricsRetrying() > 0 {
		return
	}
	f.o.logger.Info("OpenSearch accepts writes again", "after", time.Since(f.since).Round(time.Millisecond), "documents_retried", f.retried, "last_reason", f.label)
	f.label, f.err, f.since, f.retried = "", nil, time.Time{}, 0
}

// notReady says why writes are not going through, or nil.
func (f *faults) notReady() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.since.IsZero() {
		return nil
	}
	return fmt.Errorf("opensearch refuses writes for now (%s since %s, %d documents waiting to be retried): %w",
		f.label, f.since.UTC().Format(time.RFC3339), f.o.metricsRetrying(), f.err)
}
