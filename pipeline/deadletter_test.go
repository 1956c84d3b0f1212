package pipeline

import (
	"bytes"
	"context"
	"iter"
	"log/slog"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/dmarc-agent/dmarc-agent/output"
)

// refusingOutput refuses every refuse-th document for good and says it
// kept them in "dl"; it records the origin each Write carried.
type refusingOutput struct {
	refuse  int
	origins []output.Origin
}

func (r *refusingOutput) Write(ctx context.Context, docs iter.Seq2[output.Doc, error]) (output.Result, error) {
	r.origins = append(r.origins, output.OriginFrom(ctx))
	var res output.Result
	i := 0
	for d, err := range docs {
		if err != nil {
			return res, err
		}
		if i%r.refuse == 0 {
			res.Failed = append(res.Failed, output.Failure{Index: d.Index, ID: d.ID, Reason: "HTTP 400: mapper_parsing_exception"})
			res.DeadLetter = "dl"
		} else {
			res.Indexed++
		}
		i++
	}
	return res, nil
}
func (r *refusingOutput) Ready(context.Context) error { return nil }
func (r *refusingOutput) Close(context.Context) error { return nil }

// A message some of whose documents the output refused (and kept in its
// dead-letter place) is done for its source, but not counted as plainly
// delivered: the outcome carries the count, the metric outcome is
// dead_letter, and there is one warning for the message, not one per
// document.
func TestRefusedDocumentsOneLinePerMessage(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	var logs bytes.Buffer
	out := &refusingOutput{refuse: 3}
	p := New(DefaultConfig(), Deps{Output: out, Metrics: m, Prefix: "dmarc", Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	got := p.Process(context.Background(), message("r.xml", []byte(aggXML("r", 10))))
	if got.Err != nil || got.Refused != 4 {
		t.Fatalf("outcome %+v; want done with 4 refused (records 0, 3, 6, 9)", got)
	}
	if v := testutil.ToFloat64(m.Messages.WithLabelValues("test", "dead_letter")); v != 1 {
		t.Errorf("messages{outcome=dead_letter} = %v, want 1", v)
	}
	if v := testutil.ToFloat64(m.Messages.WithLabelValues("test", "delivered")); v != 0 {
		t.Errorf("messages{outcome=delivered} = %v, want 0", v)
	}
	if v := testutil.ToFloat64(m.Written.WithLabelValues("failed")); v != 4 {
		t.Errorf("documents_written{failed} = %v, want 4", v)
	}
	if v := testutil.ToFloat64(m.Written.WithLabelValues("indexed")); v != 6 {
		t.Errorf("documents_written{indexed} = %v, want 6", v)
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "refused=4") || !strings.Contains(lines[0], "dead_letter=dl") || !strings.Contains(lines[0], "id=r.xml") {
		t.Errorf("log lines %q; want one naming the message, 4 refused and the dead-letter place", lines)
	}
	if len(out.origins) != 1 || out.origins[0] != (output.Origin{Source: "test", ID: "r.xml"}) {
		t.Errorf("origins %+v; want the message's source and id", out.origins)
	}
}
