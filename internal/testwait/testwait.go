// Package testwait waits, in tests, for a condition that gives no signal
// (state owned by goroutines or processes under test, a server's
// readiness): the one polling loop the tests share.
package testwait

import (
	"testing"
	"time"
)

// Interval is how often Until checks its condition.
const Interval = 5 * time.Millisecond

// Until checks cond every Interval until it holds, and fails tb, naming
// what, if it does not within d.
func Until(tb testing.TB, what string, d time.Duration, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(Interval) // the poll interval: cond has no signal to wait on
	}
}
