package pipeline

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/dmarc-agent/dmarc-agent/collector"
	"github.com/dmarc-agent/dmarc-agent/collector/dir"
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

// dirRunner returns a function that runs p once over the folder incoming
// with a dir source (no stability wait, state in base), as `run --once`
// would.
func dirRunner(t *testing.T, p *Pipeline, incoming, base string) func() {
	dcfg := dir.DefaultConfig()
	dcfg.Path, dcfg.StableFor, dcfg.StateFile = incoming, 0, filepath.Join(base, "dir.db")
	return func() {
		t.Helper()
		src, err := dir.New(dcfg, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := NewRunner(testConfig(2, 4, time.Minute), p, []collector.Source{src}).Run(context.Background(), true); err != nil {
			t.Fatal(err)
		}
	}
}
