package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"go.uber.org/goleak"

	"github.com/dmarc-agent/dmarc-agent/collector"
	"github.com/dmarc-agent/dmarc-agent/engine"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func start(t *testing.T, g prometheus.Gatherer, ready ReadyFunc) *Server {
	t.Helper()
	s := New(Config{Listen: "127.0.0.1:0"}, g, ready, nil)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Shutdown(context.Background()) })
	return s
}

func TestHealthAndReadiness(t *testing.T) {
	var mu sync.Mutex
	readyErr := errors.New("opensearch: connection refused")
	s := start(t, prometheus.NewRegistry(), func(context.Context) error {
		mu.Lock()
		defer mu.Unlock()
		return readyErr
	})
	base := "http://" + s.Addr()
	if code, body := get(t, base+"/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("/healthz = %d %q", code, body)
	}
	if code, body := get(t, base+"/readyz"); code != 503 || body != "not ready: opensearch: connection refused\n" {
		t.Errorf("/readyz while the output is down = %d %q", code, body)
	}
	mu.Lock()
	readyErr = nil
	mu.Unlock()
	if code, body := get(t, base+"/readyz"); code != 200 || body != "ready\n" {
		t.Errorf("/readyz with the output up = %d %q", code, body)
	}
	if code, _ := get(t, base+"/nope"); code != 404 {
		t.Errorf("/nope = %d", code)
	}
}

// fakeSource sends messages "m0".."m<n-1>" once and waits for their acks.
type fakeSource struct{ n int }

func (fakeSource) Name() string { return "dir" }

func (s fakeSource) Run(ctx context.Context, out chan<- collector.Message, _ bool) error {
	var wg sync.WaitGroup
	for i := range s.n {
		wg.Add(1)
		msg := collector.Message{Source: "dir", ID: fmt.Sprintf("m%d", i), Received: time.Now(),
			Ack: func(context.Context, collector.Outcome) error { wg.Done(); return nil }}
		select {
		case out <- msg:
		case <-ctx.Done():
			wg.Done()
		}
	}
	wg.Wait()
	return nil
}

// TestMetricsMatchWhatWasDelivered runs the pipeline over 37 messages (every
// seventh holds no report), then reads /metrics with the Prometheus text
// parser.
func TestMetricsMatchWhatWasDelivered(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := engine.NewRunMetrics(reg)
	proc := engine.Func(func(_ context.Context, msg collector.Message) collector.Outcome {
		var i int
		fmt.Sscanf(msg.ID, "m%d", &i)
		if i%7 == 0 {
			return collector.Outcome{Err: collector.ErrNoReport, Reason: "empty file"}
		}
		return collector.Outcome{Reports: map[string]int{"aggregate": 1}}
	})
	cfg := engine.Config{InFlight: 4, QueueSize: 16}
	if err := engine.NewRunner(cfg, proc, []collector.Source{fakeSource{37}}, nil, m).Run(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	s := start(t, reg, nil)

	resp, err := http.Get("http://" + s.Addr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("content type %q", ct)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("/metrics does not parse: %v", err)
	}
	for _, name := range []string{"dmarc_agent_queue_depth", "dmarc_agent_messages_in_flight",
		"dmarc_agent_source_lag_seconds", "dmarc_agent_source_last_success_timestamp_seconds", "dmarc_agent_message_duration_seconds"} {
		if mfs[name] == nil {
			t.Errorf("%s not exported", name)
		}
	}
	h := mfs["dmarc_agent_message_duration_seconds"]
	if h == nil || h.GetType() != dto.MetricType_HISTOGRAM || h.GetMetric()[0].GetHistogram().GetSampleCount() != 37 {
		t.Errorf("duration histogram = %v, want 37 samples", h)
	}
	hb := mfs["dmarc_agent_messages_handed_back_total"]
	if hb == nil || hb.GetType() != dto.MetricType_COUNTER || hb.GetMetric()[0].GetCounter().GetValue() != 0 {
		t.Errorf("handed back = %v, want a counter at 0", hb)
	}
	if ls := mfs["dmarc_agent_source_last_success_timestamp_seconds"]; ls == nil || ls.GetMetric()[0].GetGauge().GetValue() < float64(time.Now().Add(-time.Minute).Unix()) {
		t.Errorf("last success = %v", ls)
	}
}

func TestLifecycle(t *testing.T) {
	s := New(Config{Listen: "127.0.0.1:0"}, prometheus.NewRegistry(), nil, nil)
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatalf("shutdown before start: %v", err)
	}
	for round := range 2 {
		if err := s.Start(); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if code, _ := get(t, "http://"+s.Addr()+"/healthz"); code != 200 {
			t.Fatalf("round %d: /healthz = %d", round, code)
		}
		http.DefaultClient.CloseIdleConnections()
		if err := s.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := s.Shutdown(context.Background()); err != nil {
			t.Fatalf("second shutdown: %v", err)
		}
		goleak.VerifyNone(t)
	}
}

func TestDisabledAndBindError(t *testing.T) {
	off := New(Config{}, prometheus.NewRegistry(), nil, nil)
	if err := off.Start(); err != nil || off.Addr() != "" {
		t.Errorf("disabled server: err %v, addr %q", err, off.Addr())
	}
	s := start(t, prometheus.NewRegistry(), nil)
	clash := New(Config{Listen: s.Addr()}, prometheus.NewRegistry(), nil, nil)
	if err := clash.Start(); err == nil || !strings.Contains(err.Error(), "http listener") {
		t.Errorf("binding a used port: %v", err)
	}
}
