// Package health tracks the agent's internal faults (a full disk under the
// archive, a state file that cannot be written) so that readiness and
// metrics can show them. An internal fault is never a verdict on the input:
// the message it hit stays pending and is delivered again.
package health

import (
	"fmt"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Fault is the latest internal fault of one part of the agent, cleared by
// that part's next success. A nil *Fault does nothing and reports nothing.
type Fault struct {
	name   string
	mu     sync.Mutex
	err    error
	since  time.Time
	active prometheus.Gauge
	total  prometheus.Counter
}

// NewFault returns the fault tracker of a component ("archive",
// "dir_state", "gmail_state"). reg may be nil; otherwise it registers
// dmarc_agent_internal_fault{component} (1 while the fault lasts) and
// dmarc_agent_internal_faults_total{component}.
func NewFault(component string, reg prometheus.Registerer) *Fault {
	labels := prometheus.Labels{"component": component}
	auto := promauto.With(reg) // nil: not registered
	f := &Fault{
		name: component,
		active: auto.NewGauge(prometheus.GaugeOpts{Name: "dmarc_agent_internal_fault", ConstLabels: labels,
			Help: "1 while a part of the agent cannot do its own work (archive or state write failing: full disk, permissions); messages wait and are retried."}),
		total: auto.NewCounter(prometheus.CounterOpts{Name: "dmarc_agent_internal_faults_total", ConstLabels: labels,
			Help: "Internal faults by component (each failed archive or state write); the messages concerned are retried, never rejected."}),
	}
	return f
}

// Set records a fault.
func (f *Fault) Set(err error) {
	if f == nil || err == nil {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err == nil {
		f.since = time.Now()
	}
	f.err = err
	f.active.Set(1)
	f.total.Inc()
}

// Clear records a success: the fault, if any, is over.
func (f *Fault) Clear() {
	if f == nil {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.err = nil
	f.active.Set(0)
}

// Err describes the current fault, nil if there is none.
func (f *Fault) Err() error {
	if f == nil {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err == nil {
		return nil
	}
	return fmt.Errorf("%s failing since %s: %w", f.name, f.since.UTC().Format(time.RFC3339), f.err)
}

// Gauge is dmarc_agent_internal_fault of this component (for tests).
func (f *Fault) Gauge() prometheus.Gauge { return f.active }

// Total is dmarc_agent_internal_faults_total of this component (for tests).
func (f *Fault) Total() prometheus.Counter { return f.total }
