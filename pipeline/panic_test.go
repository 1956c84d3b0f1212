package pipeline

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/goleak"

	"github.com/dmarc-agent/dmarc-agent/collector"
	"github.com/dmarc-agent/dmarc-agent/mapping"
)

// PanicEnricher panics on the documents of the report whose id is Trigger:
// a stand-in for a parser or enricher bug that some input sets off. The
// ingest command's tests use it too.
type PanicEnricher struct{ Trigger string }

func (e PanicEnricher) Aggregate(_ context.Context, docs []*mapping.AggregateDoc) {
	for _, d := range docs {
		if d.Report.ID == e.Trigger {
			panic("injected enricher bug on " + e.Trigger)
		}
	}
}
func (PanicEnricher) Sources(context.Context, []*mapping.Source) {}
func (PanicEnricher) Close() error                               { return nil }

// TestPanicIsARejectionWithAReason: a panic while one report is processed
// rejects that report with a reason and loses none of its neighbours,
// whether the panic happens on the parsing goroutine (a small report) or on
// the aggregate sink's second goroutine (a report of several batches).
func TestPanicIsARejectionWithAReason(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, tc := range []struct {
		name     string
		records  int
		twoStage bool
	}{
		{"one goroutine", 3, false},
		{"second goroutine", 4 * enrichBatch, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			withTwoStage(t, tc.twoStage, func() {
				data := zipOf(t, map[string]string{"a.xml": aggXML("good", 3), "b.xml": aggXML("boom", tc.records)}, "a.xml", "b.xml")
				out := &memOutput{}
				reg := prometheus.NewRegistry()
				m := NewMetrics(reg)
				p := New(DefaultConfig(), Deps{Output: out, Enricher: PanicEnricher{"boom"}, Prefix: "dmarc", Metrics: m})
				got := p.Deliver(context.Background(), p.Prepare(context.Background(), message("mixed.zip", data)))
				if got.Outcome.Err != nil {
					t.Fatalf("outcome: %v", got.Outcome.Err)
				}
				if len(out.docs) != 3 {
					t.Fatalf("%d docs delivered, want the 3 of the good report", len(out.docs))
				}
				want := "internal error: panic while processing the report: injected enricher bug on boom"
				if len(got.Rejected) != 1 || got.Rejected[0].Path != "mixed.zip/b.xml" || got.Rejected[0].Reason != want || got.Rejected[0].Class != "internal" {
					t.Fatalf("rejections %+v, want mixed.zip/b.xml: %s", got.Rejected, want)
				}
				if !strings.Contains(got.Outcome.Reason, want) {
					t.Errorf("outcome reason %q does not say why", got.Outcome.Reason)
				}
				if v := testutil.ToFloat64(m.Rejected.WithLabelValues("internal")); v != 1 {
					t.Errorf("rejected{reason=internal} = %v, want 1", v)
				}
			})
		})
	}
}

// ackSource sends its messages once and records their outcomes in order.
type ackSource struct {
	msgs     []collector.Message
	outcomes chan collector.Outcome
}

func (s *ackSource) Name() string { return "test" }
func (s *ackSource) Run(ctx context.Context, out chan<- collector.Message, _ bool) error {
	for _, m := range s.msgs {
		acked := make(chan struct{})
		m.Ack = func(_ context.Context, o collector.Outcome) error { s.outcomes <- o; close(acked); return nil }
		select {
		case out <- m:
		case <-ctx.Done():
			return nil
		}
		<-acked // one at a time: outcomes in order
	}
	return nil
}

// TestPanicUnderTheRunner: under `run` the same panic sets the message
// aside with the reason (a rejection), and the runner goes on.
func TestPanicUnderTheRunner(t *testing.T) {
	p := New(DefaultConfig(), Deps{Output: &memOutput{}, Enricher: PanicEnricher{"boom"}, Prefix: "dmarc"})
	src := &ackSource{
		msgs:     []collector.Message{message("boom.xml", []byte(aggXML("boom", 2))), message("ok.xml", []byte(aggXML("ok", 2)))},
		outcomes: make(chan collector.Outcome, 2),
	}
	r := NewRunner(testConfig(1, 1, time.Second), p, []collector.Source{src})
	if err := r.Run(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	close(src.outcomes)
	var outcomes []collector.Outcome
	for o := range src.outcomes {
		outcomes = append(outcomes, o)
	}
	if len(outcomes) != 2 || !outcomes[0].Rejected() || !outcomes[1].Delivered() {
		t.Fatalf("outcomes %+v, want boom.xml rejected then ok.xml delivered", outcomes)
	}
	want := "internal error: panic while processing the report: injected enricher bug on boom"
	if !strings.Contains(outcomes[0].Reason, want) {
		t.Errorf("reason %q does not say %q", outcomes[0].Reason, want)
	}
}
