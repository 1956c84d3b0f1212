package opensearch

import (
	"testing"

	"github.com/dmarc-agent/dmarc-agent/internal/testcluster"
)

func TestIntegrationEngineDetected(t *testing.T) {
	testcluster.Run(t, func(t *testing.T, c testcluster.Cluster) {
		o := newRealOutput(t, c.URL, testcluster.Prefix(t, c.URL))
		got, err := o.Engine(t.Context())
		if want := (Engine{Name: c.Engine, Version: c.Version}); err != nil || got != want {
			t.Fatalf("Engine() = %+v, %v; want %+v", got, err, want)
		}
		if err := o.Ready(t.Context()); err != nil {
			t.Errorf("Ready() = %v", err)
		}
	})
}
