package promreg_test

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/dmarc-agent/dmarc-agent/internal/promreg"
)

func TestRegisterTwiceSharesTheFirstCollector(t *testing.T) {
	reg := prometheus.NewRegistry()
	opts := prometheus.CounterOpts{Name: "x_total", Help: "x"}
	a := promreg.Register(reg, prometheus.NewCounter(opts))
	b := promreg.Register(reg, prometheus.NewCounter(opts))
	if a != b {
		t.Fatal("the second registration did not return the first collector")
	}
	b.Add(2)
	if got := testutil.ToFloat64(a); got != 2 {
		t.Errorf("first counter = %v, want 2", got)
	}
	if n, err := testutil.GatherAndCount(reg, "x_total"); err != nil || n != 1 {
		t.Errorf("gathered %d series (%v), want 1", n, err)
	}
}

// A clash that is not the same collector (another help text) does not
// panic: the new collector is returned unregistered.
func TestRegisterConflictDoesNotPanic(t *testing.T) {
	reg := prometheus.NewRegistry()
	a := promreg.Register(reg, prometheus.NewCounter(prometheus.CounterOpts{Name: "y_total", Help: "one"}))
	b := promreg.Register(reg, prometheus.NewCounter(prometheus.CounterOpts{Name: "y_total", Help: "two"}))
	if a == b {
		t.Fatal("a conflicting collector was merged with the first")
	}
	b.Inc()
	if got := testutil.ToFloat64(a); got != 0 {
		t.Errorf("first counter = %v, want 0", got)
	}
}
