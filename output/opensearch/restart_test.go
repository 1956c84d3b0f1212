package opensearch

import (
	"context"
	"testing"
	"time"

	"github.com/dmarc-agent/dmarc-agent/internal/testcluster"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/dmarc-agent/dmarc-agent/output"
)

// TestIntegrationNodeRestartMidWrite stops the node while a large Write is
// under way and starts it again: every document must end up indexed exactly
// once, and Write must not report success while the node is down.
func TestIntegrationNodeRestartMidWrite(t *testing.T) {
	testcluster.Run(t, testNodeRestartMidWrite)
}

// testNodeRestartMidWrite runs on a node of its own of c's engine and version.
func testNodeRestartMidWrite(t *testing.T, c testcluster.Cluster) {
	base, script := testcluster.OwnNodeOf(t, c)
	prefix := "restart"
	const n = 15000
	ds, _ := aggDocs(t, prefix, n)

	cfg := testConfig(base)
	cfg.BatchDocs = 250
	cfg.Retry = RetryConfig{InitialInterval: 100 * time.Millisecond, MaxInterval: time.Second, MaxElapsed: 5 * time.Minute}
	reg := prometheus.NewRegistry()
	o, err := New(t.Context(), cfg, prefix, nil, reg)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close(context.Background())

	gate := make(chan struct{})
	type result struct {
		res output.Result
		err error
		at  time.Time
	}
	done := make(chan result, 1)
	go func() {
		res, err := o.Write(t.Context(), func(yield func(output.Doc, error) bool) {
			for i, d := range ds {
				if i == n/3 {
					<-gate // the rest goes while the node is down
				}
				if !yield(d, nil) {
					return
				}
			}
		})
		done <- result{res, err, time.Now()}
	}()

	// wait until part of the first third is acknowledged
	deadline := time.Now().Add(2 * time.Minute)
	for testutil.ToFloat64(o.metrics.docs.WithLabelValues("indexed")) < n/6 {
		if time.Now().After(deadline) {
			t.Fatal("no progress before the restart")
		}
		time.Sleep(20 * time.Millisecond) // poll interval: the counter has no signal to wait on
	}
	script("stop")
	stoppedAt := time.Now()
	close(gate)
	time.Sleep(3 * time.Second) // the window in which a broken Write would return while the node is down
	select {
	case r := <-done:
		t.Fatalf("Write returned while the node was down: %+v indexed, err %v", r.res.Indexed, r.err)
	default:
	}
	script("start")
	startedAt := time.Now()
	t.Logf("node down for %s", startedAt.Sub(stoppedAt).Round(time.Second))

	var r result
	select {
	case r = <-done:
	case <-time.After(5 * time.Minute):
		t.Fatal("Write did not finish after the restart")
	}
	if r.err != nil || len(r.res.Failed) != 0 {
		t.Fatalf("Write: %v, failed %v", r.err, r.res.Failed)
	}
	if got := r.res.Indexed + r.res.Duplicates; got != n {
		t.Fatalf("Write acknowledged %d indexed + %d duplicates = %d, want %d", r.res.Indexed, r.res.Duplicates, got, n)
	}
	if r.at.Before(startedAt) {
		t.Fatalf("Write returned at %s, before the node was back", r.at)
	}
	if got := testcluster.Count(t, base, prefix+"-*"); got != n {
		t.Fatalf("_count = %d, want %d (each document exactly once)", got, n)
	}
	t.Logf("indexed %d, duplicates %d (sent again after an unanswered request), retries %v",
		r.res.Indexed, r.res.Duplicates, testutil.ToFloat64(o.metrics.retries))
}
