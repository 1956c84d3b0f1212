package mapping_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dmarc-agent/dmarc-agent/mapping"
	"github.com/dmarc-agent/dmarc-agent/report/failure"
	"github.com/dmarc-agent/dmarc-agent/report/tlsrpt"
)

// TestRepairedReportsOnOpenSearch writes the documents of every repaired
// fixture through the real (strict) templates: every new field is
// accepted, and queries find the repaired reports.
func TestRepairedReportsOnOpenSearch(t *testing.T) {
	base := os.Getenv("OPENSEARCH_URL")
	if base == "" {
		if os.Getenv("DMARC_AGENT_REQUIRE_OPENSEARCH") == "1" {
			t.Fatal("OPENSEARCH_URL is not set and DMARC_AGENT_REQUIRE_OPENSEARCH=1")
		}
		t.Skip("integration test: set OPENSEARCH_URL (scripts/opensearch-dev.sh start prints it)")
	}
	base = strings.TrimRight(base, "/")
	do := func(method, path string, body []byte) (int, []byte) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, method, base+path, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		if strings.HasSuffix(path, "_bulk?refresh=true") {
			req.Header.Set("Content-Type", "application/x-ndjson")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	rnd := make([]byte, 4)
	_, _ = rand.Read(rnd)
	prefix := "it-repairs-" + hex.EncodeToString(rnd)
	for _, k := range []struct {
		kind mapping.Kind
		file string
	}{{mapping.KindAggregate, "aggregate.json"}, {mapping.KindFailure, "failure.json"}, {mapping.KindSMTPTLS, "smtp_tls.json"}} {
		raw, err := os.ReadFile(filepath.Join("templates", k.file))
		if err != nil {
			t.Fatal(err)
		}
		var f struct {
			Mappings json.RawMessage `json:"mappings"`
		}
		if err := json.Unmarshal(raw, &f); err != nil {
			t.Fatal(err)
		}
		body, _ := json.Marshal(map[string]any{"index_patterns": []string{mapping.IndexPattern(prefix, k.kind)}, "priority": 500,
			"template": map[string]any{"settings": map[string]any{"index": map[string]any{"number_of_shards": 1, "number_of_replicas": 0}}, "mappings": f.Mappings}})
		if code, b := do("PUT", "/_index_template/"+prefix+"-"+k.kind.IndexKind(), body); code != 200 {
			t.Fatalf("template %s: HTTP %d %s", k.file, code, b)
		}
		t.Cleanup(func() { do("DELETE", "/_index_template/"+prefix+"-"+k.kind.IndexKind(), nil) })
	}
	t.Cleanup(func() { do("DELETE", "/"+prefix+"-*", nil) })

	var bulk bytes.Buffer
	n := 0
	add := func(index, id string, doc any) {
		b, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&bulk, `{"create":{"_index":%q,"_id":%q}}`+"\n%s\n", index, id, b)
		n++
	}
	for _, name := range []string{"odd-source-ips.xml", "no-policy-dkim.xml", "xs-schema.xml", "data-range.xml", "epoch-1970.xml"} {
		for _, l := range ingestFile(t, name).lines {
			if l.Doc != nil {
				add(strings.Replace(l.Index, "dmarc-", prefix+"-", 1), l.ID, l.Doc)
			}
		}
	}
	for _, name := range []string{"mixed_base64.eml", "report_qp.eml", "exim_text.eml", "domino_forward.eml"} {
		b, err := os.ReadFile(filepath.Join("..", "report", "failure", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		rep, err := failure.Parse(bytes.NewReader(b), time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		doc, index, id := mapping.BuildFailure(prefix, rep, failure.DefaultConfig())
		add(index, id, doc)
	}
	for _, name := range []string{"tls_zoneless.json", "tls_no_policy_domain.json", "tls_only_no_domain.json"} {
		b, err := os.ReadFile(filepath.Join("..", "report", "tlsrpt", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		rep, err := tlsrpt.Parse(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range mapping.BuildTLS(prefix, rep) {
			add(e.Index, e.ID, e.Doc)
		}
	}
	code, body := do("POST", "/_bulk?refresh=true", bulk.Bytes())
	var resp struct {
		Errors bool
		Items  []map[string]struct {
			Status int
			Error  json.RawMessage
		}
	}
	if err := json.Unmarshal(body, &resp); err != nil || code != 200 {
		t.Fatalf("bulk: HTTP %d %v %s", code, err, body)
	}
	// 5 + 5 + 1 + 1 + 1 aggregate documents, 4 failure, 1 + 2 + 1 TLS. Two
	// are duplicates by design: xs-schema.xml and data-range.xml are the
	// same report repaired two ways (one id), and so are mixed_base64.eml
	// and report_qp.eml (the same failure: arrival, source, message).
	created, conflicts := 0, 0
	for _, it := range resp.Items {
		switch it["create"].Status {
		case 201:
			created++
		case 409:
			conflicts++
		default:
			t.Errorf("refused: %s", it["create"].Error)
		}
	}
	if n != 13+4+4 || created != n-2 || conflicts != 2 {
		t.Fatalf("%d documents: %d created, %d duplicates; want %d, 2", n, created, conflicts, n-2)
	}
	count := func(index, query string) int {
		t.Helper()
		code, b := do("POST", "/"+index+"/_count", []byte(`{"query":`+query+`}`))
		var c struct{ Count int }
		if err := json.Unmarshal(b, &c); err != nil || code != 200 {
			t.Fatalf("count %s: HTTP %d %s", query, code, b)
		}
		return c.Count
	}
	for _, q := range []struct {
		index, query string
		want         int
	}{
		{prefix + "-aggregate-*", `{"exists":{"field":"source.address"}}`, 3},
		{prefix + "-aggregate-*", `{"term":{"warnings":"missing_source_ip"}}`, 1},
		{prefix + "-aggregate-*", `{"term":{"dmarc.derived":true}}`, 4},
		{prefix + "-aggregate-*", `{"term":{"dmarc.derived_dkim":"pass"}}`, 1},
		{prefix + "-aggregate-*", `{"exists":{"field":"dmarc.dkim"}}`, 5 + 0 + 2},
		{prefix + "-aggregate-*", `{"terms":{"report.repairs":["feedback_not_root","alias_data_range","implausible_date"]}}`, 2},
		{prefix + "-aggregate-1970.01", `{"term":{"report.repairs":"implausible_date"}}`, 1},
		{prefix + "-failure-*", `{"term":{"failure.repairs":"text_report_layout"}}`, 2},
		{prefix + "-failure-*", `{"term":{"failure.repairs":"feedback_outside_report"}}`, 1},
		{prefix + "-failure-*", `{"term":{"failure.reported_uri":"mailto:list@example.com"}}`, 1},
		{prefix + "-failure-*", `{"term":{"failure.original_envelope_id":"7F3A2B10C"}}`, 1},
		{prefix + "-smtp-tls-*", `{"term":{"tls.report.repairs":"policy_domain_inferred"}}`, 1},
		{prefix + "-smtp-tls-*", `{"bool":{"must_not":{"exists":{"field":"tls.policy.domain"}}}}`, 1},
		{prefix + "-smtp-tls-2023.01", `{"term":{"tls.report.repairs":"datetime_without_zone"}}`, 1},
	} {
		if got := count(q.index, q.query); got != q.want {
			t.Errorf("%s %s: %d documents, want %d", q.index, q.query, got, q.want)
		}
	}
}
