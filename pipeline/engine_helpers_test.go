package pipeline

import (
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/dmarc-agent/dmarc-agent/collector"
	"github.com/dmarc-agent/dmarc-agent/engine"

	"github.com/dmarc-agent/dmarc-agent/internal/testwait"
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
	testwait.Until(t, what, 10*time.Second, cond)
}
