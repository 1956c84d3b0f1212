package pipeline

import (
	"context"
	"encoding/json"
	"maps"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/dmarc-agent/dmarc-agent/report/decode"
)

// TestRepairsReachMetricsAndDocuments: each repaired report is counted in
// dmarc_agent_report_repairs_total by kind, and the documents say what was
// repaired; a record with an unreadable source_ip is indexed with its count.
func TestRepairsReachMetricsAndDocuments(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	out := &memOutput{}
	p := New(DefaultConfig(), Deps{Output: out, Metrics: m, Prefix: "dmarc", Decode: decode.Options{}})
	wrapped := strings.Replace(aggXML("wrapped", 2), "<feedback>", "<xs:schema><feedback>", 1)
	alias := strings.NewReplacer("<date_range>", "<data_range>", "</date_range>", "</data_range>").Replace(aggXML("alias", 1))
	badIP := strings.Replace(aggXML("badip", 3), "<source_ip>192.0.2.2</source_ip>", "<source_ip>192.0.2.300</source_ip>", 1)
	noEval := strings.Replace(aggXML("noeval", 1), "<dkim>pass</dkim><spf>pass</spf></policy_evaluated>", "</policy_evaluated>", 1)
	data := zipOf(t, map[string]string{
		"wrapped.xml":  wrapped,
		"alias.xml.gz": string(append(gz(t, alias), '\r', '\n')),
		"badip.xml":    badIP,
		"noeval.xml":   noEval,
	}, "wrapped.xml", "alias.xml.gz", "badip.xml", "noeval.xml")
	res := p.Deliver(context.Background(), p.Prepare(context.Background(), message("m.zip", data)))
	if res.Outcome.Err != nil || len(res.Rejected) != 0 {
		t.Fatalf("outcome %v, rejected %v", res.Outcome.Err, res.Rejected)
	}
	want := map[string]int{"feedback_not_root": 1, "alias_data_range": 1, "gzip_trailing_garbage": 1, "invalid_source_ip": 1}
	if !maps.Equal(res.Repairs, want) || res.Warnings != 1 {
		t.Errorf("repairs %v warnings %d, want %v and 1", res.Repairs, res.Warnings, want)
	}
	for kind, n := range want {
		if v := testutil.ToFloat64(m.Repairs.WithLabelValues(kind)); v != float64(n) {
			t.Errorf("dmarc_agent_report_repairs_total{kind=%q} = %v, want %d", kind, v, n)
		}
	}
	// 2 + 1 + 3 + 1 documents; messages 1+2 + 1 + 1+2+3 + 1.
	if res.Documents != 7 || res.Messages != 11 || len(res.Copies) != 4 {
		t.Fatalf("documents %d messages %d copies %d", res.Documents, res.Messages, len(res.Copies))
	}
	type doc struct {
		Report struct {
			ID      string
			Repairs []string
		}
		Source struct {
			IP, Address string
		}
		Message  struct{ Count int64 }
		DMARC    map[string]any
		Warnings []string
	}
	seen := map[string]bool{}
	for _, d := range out.docs {
		var got doc
		if err := json.Unmarshal(d.Body, &got); err != nil {
			t.Fatal(err)
		}
		id := got.Report.ID
		seen[id] = true
		switch {
		case id == "wrapped" && strings.Join(got.Report.Repairs, ",") != "feedback_not_root",
			id == "alias" && strings.Join(got.Report.Repairs, ",") != "alias_data_range",
			(id == "badip" || id == "noeval") && got.Report.Repairs != nil:
			t.Errorf("%s: repairs %q", id, got.Report.Repairs)
		}
		if id == "badip" && got.Source.Address != "" {
			if got.Source.Address != "192.0.2.300" || got.Source.IP != "" || got.Message.Count != 2 ||
				strings.Join(got.Warnings, ",") != "invalid_source_ip" {
				t.Errorf("bad source: %s", d.Body)
			}
		}
		if id == "noeval" {
			_, dkim := got.DMARC["dkim"]
			_, spf := got.DMARC["spf"]
			if dkim || spf || got.DMARC["pass"] != true || got.DMARC["derived"] != true ||
				got.DMARC["derived_dkim"] != "pass" || got.DMARC["derived_spf"] != "pass" {
				t.Errorf("derived: %s", d.Body)
			}
		}
	}
	if len(seen) != 4 {
		t.Errorf("reports written: %v", seen)
	}
}
