package pipeline

import (
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/dmarc-agent/dmarc-agent/collector"
	"github.com/dmarc-agent/dmarc-agent/engine"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// testConfig is an engine with workers messages in flight.
func testConfig(workers, queue int, grace time.Duration) engine.Config {
	return engine.Config{InFlight: workers, QueueSize: queue, ShutdownGrace: grace}
}

// NewRunner runs p under the engine, as `run` does.
func NewRunner(cfg engine.Config, p *Pipeline, sources []collector.Source) *engine.Runner[*Prepared] {
	return engine.NewRunner(cfg, p.Staged(), sources, nil, nil)
}

// waitFor polls cond until it holds or 10 s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond) // waitFor's poll interval: cond has no signal to wait on
	}
}
