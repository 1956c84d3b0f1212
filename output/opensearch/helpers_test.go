package opensearch

import (
	"context"
	"fmt"
	"iter"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/goleak"

	"github.com/dmarc-agent/dmarc-agent/output"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// net/http keeps idle connections' goroutines until they time out.
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
	)
}

// testConfig is a config for a fake or real cluster at url with fast retries.
func testConfig(url string) Config {
	c := DefaultConfig()
	c.URLs = []string{url}
	c.FlushInterval = 20 * time.Millisecond
	c.Retry = RetryConfig{InitialInterval: 5 * time.Millisecond, MaxInterval: 20 * time.Millisecond, MaxElapsed: 10 * time.Second}
	c.Template.Replicas = 0
	c.Template.RefreshInterval = "1s"
	return c
}

// newTestOutput builds an output and closes it at the end of the test.
func newTestOutput(t *testing.T, cfg Config, reg prometheus.Registerer) *Output {
	t.Helper()
	o, err := New(t.Context(), cfg, "dmarc", nil, reg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := o.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return o
}

// docs returns n documents with ids id-0..id-(n-1) in index idx.
func docs(idx string, n int) []output.Doc {
	out := make([]output.Doc, n)
	for i := range out {
		out[i] = output.Doc{Index: idx, ID: fmt.Sprintf("id-%d", i), Body: []byte(fmt.Sprintf(`{"n":%d}`, i))}
	}
	return out
}

// seq yields ds with no error.
func seq(ds []output.Doc) iter.Seq2[output.Doc, error] {
	return func(yield func(output.Doc, error) bool) {
		for _, d := range ds {
			if !yield(d, nil) {
				return
			}
		}
	}
}
