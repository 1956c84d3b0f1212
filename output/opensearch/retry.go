package opensearch

import (
	"math/rand/v2"
	"time"
)

// backoff is jittered exponential backoff: the n-th wait is drawn uniformly
// from [d/2, 3d/2) with d = initial·2ⁿ capped at max.
type backoff struct {
	initial, max time.Duration
	n            int
}

func newBackoff(c RetryConfig) *backoff {
	b := &backoff{initial: c.InitialInterval, max: c.MaxInterval}
	if b.initial <= 0 {
		b.initial = 500 * time.Millisecond
	}
	if b.max < b.initial {
		b.max = b.initial
	}
	return b
}

// next returns the wait before the next attempt.
func (b *backoff) next() time.Duration {
	d := b.initial
	for i := 0; i < b.n && d < b.max; i++ {
		d *= 2
	}
	d = min(d, b.max)
	b.n++
	return d/2 + time.Duration(rand.Int64N(int64(d)))
}

// retryableStatus reports whether a whole-request or item status is worth
// retrying: the cluster is overloaded or briefly unable to answer.
func retryableStatus(code int) bool {
	return code == 429 || code >= 500
}
