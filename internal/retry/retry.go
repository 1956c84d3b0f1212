// Package retry holds the one backoff policy of dmarc-agent's retry loops
// (OpenSearch bulk requests, Gmail API calls) and the reading of a server's
// Retry-After header, so that every loop waits the same way.
package retry

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// Backoff returns the wait before retry n (0 for the first retry):
// exponential from initial, doubled at each retry and capped at max, with
// jitter drawn uniformly from the upper half [d/2, d], so that clients that
// failed together spread out and no wait exceeds limit. initial <= 0 means
// 500 ms; limit < initial means initial.
func Backoff(initial, limit time.Duration, n int) time.Duration {
	d := Interval(initial, limit, n)
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

// Interval is Backoff's wait before retry n without the jitter: initial
// doubled n times (n <= 0: initial), capped at limit, with the same
// defaults. It serves a loop that applies its own jitter.
func Interval(initial, limit time.Duration, n int) time.Duration {
	if initial <= 0 {
		initial = 500 * time.Millisecond
	}
	limit = max(initial, limit)
	d := initial
	for i := 0; i < n && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}

// After reads a Retry-After header: delay-seconds or an HTTP date (a date
// in the past is no wait). ok is false when v is empty or unreadable.
func After(v string, now time.Time) (d time.Duration, ok bool) {
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(at.Sub(now), 0), true
	}
	return 0, false
}
