package mapping

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
	"strings"
	"testing"
	"time"

	"github.com/dmarc-agent/dmarc-agent/report/failure"
)

// clusterURLs returns OPENSEARCH_URL and each URL of ELASTICSEARCH_URL
// (comma-separated), or skips without any; DMARC_AGENT_REQUIRE_OPENSEARCH=1
// and DMARC_AGENT_REQUIRE_ELASTICSEARCH=1 make a missing one a failure.
// (internal/testcluster imports this package, so its tests cannot use it.)
func clusterURLs(t *testing.T) []string {
	t.Helper()
	var urls []string
	if u := os.Getenv("OPENSEARCH_URL"); u != "" {
		urls = append(urls, strings.TrimRight(u, "/"))
	} else if os.Getenv("DMARC_AGENT_REQUIRE_OPENSEARCH") == "1" {
		t.Fatal("OPENSEARCH_URL is not set and DMARC_AGENT_REQUIRE_OPENSEARCH=1: start a node with scripts/opensearch-dev.sh start")
	}
	var es []string
	for u := range strings.SplitSeq(os.Getenv("ELASTICSEARCH_URL"), ",") {
		if u = strings.TrimSpace(u); u != "" {
			es = append(es, strings.TrimRight(u, "/"))
		}
	}
	if len(es) == 0 && os.Getenv("DMARC_AGENT_REQUIRE_ELASTICSEARCH") == "1" {
		t.Fatal("ELASTICSEARCH_URL is not set and DMARC_AGENT_REQUIRE_ELASTICSEARCH=1: start a node with scripts/elasticsearch-dev.sh start")
	}
	urls = append(urls, es...)
	if len(urls) == 0 {
		t.Skip("integration test: set OPENSEARCH_URL and/or ELASTICSEARCH_URL (scripts/opensearch-dev.sh / elasticsearch-dev.sh start print them)")
	}
	return urls
}

// osClient is the few raw calls the test needs.
type osClient struct {
	t    *testing.T
	base string
}

func (c osClient) do(method, path string, body []byte, ct string) (int, []byte) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", ct)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func (c osClient) ok(method, path string, body []byte, ct string) []byte {
	c.t.Helper()
	code, b := c.do(method, path, body, ct)
	if code >= 300 {
		c.t.Fatalf("%s %s: HTTP %d: %s", method, path, code, b)
	}
	return b
}

// putTemplate installs templates/<file> for <prefix>-<kind>-*.
func (c osClient) putTemplate(prefix string, kind Kind, file string) {
	c.t.Helper()
	raw, err := os.ReadFile("templates/" + file)
	if err != nil {
		c.t.Fatal(err)
	}
	var f struct {
		Mappings json.RawMessage `json:"mappings"`
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		c.t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]any{
		"index_patterns": []string{IndexPattern(prefix, kind)},
		"priority":       500,
		"template": map[string]any{
			"settings": map[string]any{"index": map[string]any{"number_of_shards": 1, "number_of_replicas": 0}},
			"mappings": f.Mappings,
		},
	})
	c.ok("PUT", "/_index_template/"+prefix+"-"+kind.IndexKind(), body, "application/json")
}

type bulkDoc struct {
	index, id string
	doc       any
}

// bulk creates docs and returns the per-item status codes.
func (c osClient) bulk(docs []bulkDoc) []int {
	c.t.Helper()
	var buf bytes.Buffer
	for _, d := range docs {
		fmt.Fprintf(&buf, `{"create":{"_index":%q,"_id":%q}}`+"\n", d.index, d.id)
		b, err := json.Marshal(d.doc)
		if err != nil {
			c.t.Fatal(err)
		}
		buf.Write(b)
		buf.WriteByte('\n')
	}
	var resp struct {
		Items []map[string]struct {
			Status int             `json:"status"`
			Error  json.RawMessage `json:"error"`
		} `json:"items"`
	}
	if err := json.Unmarshal(c.ok("POST", "/_bulk?refresh=true", buf.Bytes(), "application/x-ndjson"), &resp); err != nil {
		c.t.Fatal(err)
	}
	var codes []int
	for i, it := range resp.Items {
		r := it["create"]
		if r.Status >= 300 && r.Status != 409 {
			c.t.Errorf("document %d (%s): HTTP %d %s", i, docs[i].index, r.Status, r.Error)
		}
		codes = append(codes, r.Status)
	}
	return codes
}

func (c osClient) search(index, query string) map[string]any {
	c.t.Helper()
	var out map[string]any
	if err := json.Unmarshal(c.ok("POST", "/"+index+"/_search", []byte(query), "application/json"), &out); err != nil {
		c.t.Fatal(err)
	}
	return out
}

// TestReportsOnOpenSearch writes every failure and TLS fixture through the
// real templates, writes them again (all duplicates), and checks that
// aggregations over the documents give the reports' numbers.
func TestReportsOnOpenSearch(t *testing.T) {
	for _, u := range clusterURLs(t) {
		t.Run(strings.TrimPrefix(u, "http://"), func(t *testing.T) { reportsOn(t, u) })
	}
}

func reportsOn(t *testing.T, base string) {
	c := osClient{t: t, base: base}
	rnd := make([]byte, 4)
	_, _ = rand.Read(rnd)
	prefix := "it-reports-" + hex.EncodeToString(rnd)
	c.putTemplate(prefix, KindFailure, "failure.json")
	c.putTemplate(prefix, KindSMTPTLS, "smtp_tls.json")
	t.Cleanup(func() {
		// by name: Elasticsearch 8+ refuses wildcard deletes
		if _, b := c.do("GET", "/_cat/indices/"+prefix+"-*?h=index", nil, ""); len(b) > 0 {
			c.do("DELETE", "/"+strings.Join(strings.Fields(string(b)), ","), nil, "")
		}
		c.do("DELETE", "/_index_template/"+prefix+"-failure", nil, "")
		c.do("DELETE", "/_index_template/"+prefix+"-smtp-tls", nil, "")
	})

	var docs []bulkDoc
	for i, name := range []string{"arf_rfc822.eml", "arf_headers.eml", "arf_rfc9991.eml", "text_only.eml", "mbox_first.mbox"} {
		cfg := failure.DefaultConfig()
		if i == 0 {
			cfg = failure.Config{StoreBody: true, StoreRecipients: true} // every field present
		}
		doc, index, id := BuildFailure(prefix, parseFailure(t, failureFixture(t, name)), cfg)
		if i == 0 { // values past Lucene's 32 KiB term limit must not fail the document
			doc.Message.Body += strings.Repeat("long body ", 10000)
			doc.Auth.DKIM.CanonicalizedBody = strings.Repeat("QUJD", 20000)
			doc.Auth.Results = append(doc.Auth.Results, strings.Repeat("r", 40000))
		}
		if i == 1 { // an enriched source, as the enrich stage writes it
			doc.Source = Source{IP: doc.Source.IP, Domain: "mail.attacker.example", BaseDomain: "attacker.example",
				Geo: &Geo{CountryISOCode: "NL", CountryName: "Netherlands", RegionName: "North Holland", CityName: "Amsterdam", Location: &GeoPoint{Lat: 52.37, Lon: 4.89}},
				AS:  &AS{Number: 64500, Organization: &Organization{Name: "Example Hosting"}}, Sender: &Sender{Name: "Unknown", Type: "isp", MatchedBy: "asn"}}
		}
		docs = append(docs, bulkDoc{index, id, doc})
	}
	// The forwarded copy of arf_headers.eml is the same report: same id.
	fwd, index, id := BuildFailure(prefix, parseFailure(t, failureFixture(t, "forwarded.eml")), failure.DefaultConfig())
	docs = append(docs, bulkDoc{index, id, fwd})

	var wantOK, wantFailed int64
	for _, name := range []string{"tls_ok.json", "tls_failures.json", "tls_freetext.json"} {
		rep := parseTLS(t, name)
		s, f := rep.Sessions()
		wantOK, wantFailed = wantOK+s, wantFailed+f
		for _, e := range BuildTLS(prefix, rep) {
			docs = append(docs, bulkDoc{e.Index, e.ID, e.Doc})
		}
	}

	codes := c.bulk(docs)
	created := 0
	for _, code := range codes {
		if code == 201 {
			created++
		}
	}
	if created != len(docs)-1 || codes[5] != 409 {
		t.Errorf("first write: %d created of %d (want all but the forwarded copy), codes %v", created, len(docs), codes)
	}
	for i, code := range c.bulk(docs) {
		if code != 409 {
			t.Errorf("second write of document %d: HTTP %d, want 409 (duplicate)", i, code)
		}
	}

	// Failure aggregations.
	res := c.search(prefix+"-failure-*", `{"size":0,"track_total_hits":true,"aggs":{
		"af":{"terms":{"field":"failure.auth_failure"}},
		"dom":{"terms":{"field":"failure.reported_domain"}},
		"fmt":{"terms":{"field":"failure.format"}},
		"ip":{"terms":{"field":"source.ip","size":20}},
		"country":{"terms":{"field":"source.geo.country_iso_code"}}}}`)
	if n := hitsTotal(res); n != 5 {
		t.Errorf("failure documents: %v, want 5", n)
	}
	checkBuckets(t, res, "af", map[string]float64{"dmarc": 3, "spf": 2, "dkim": 1})
	checkBuckets(t, res, "dom", map[string]float64{"example.com": 5})
	checkBuckets(t, res, "fmt", map[string]float64{"arf": 4, "text": 1})
	checkBuckets(t, res, "ip", map[string]float64{"192.0.2.10": 1, "2001:db8:5::25": 1, "203.0.113.77": 1, "198.51.100.200": 1, "192.0.2.200": 1})
	checkBuckets(t, res, "country", map[string]float64{"NL": 1})
	res = c.search(prefix+"-failure-*", `{"size":0,"query":{"term":{"source.ip":"192.0.2.0/24"}}}`)
	if n := hitsTotal(res); n != 2 {
		t.Errorf("CIDR query on source.ip: %v hits, want 2", n)
	}
	res = c.search(prefix+"-failure-*", `{"size":0,"query":{"match":{"message.subject.text":"facture"}}}`)
	if n := hitsTotal(res); n != 1 {
		t.Errorf("subject text search: %v hits, want 1", n)
	}

	// TLS: the sums over the documents are the reports' totals.
	res = c.search(prefix+"-smtp-tls-*", `{"size":0,"track_total_hits":true,"aggs":{
		"ok":{"sum":{"field":"tls.summary.successful"}},
		"failed":{"sum":{"field":"tls.summary.failed"}},
		"detail_sessions":{"sum":{"field":"tls.failure.total"}},
		"types":{"terms":{"field":"tls.policy.type"}},
		"results":{"terms":{"field":"tls.failure.result_types"}}}}`)
	if n := hitsTotal(res); n != 4 {
		t.Errorf("TLS documents: %v, want 4 (one per policy)", n)
	}
	aggs := res["aggregations"].(map[string]any)
	if got := aggs["ok"].(map[string]any)["value"].(float64); got != float64(wantOK) {
		t.Errorf("sum of successful sessions %v, reports say %d", got, wantOK)
	}
	if got := aggs["failed"].(map[string]any)["value"].(float64); got != float64(wantFailed) {
		t.Errorf("sum of failed sessions %v, reports say %d", got, wantFailed)
	}
	if got := aggs["detail_sessions"].(map[string]any)["value"].(float64); got != 19 {
		t.Errorf("sum of failure detail counts %v, want 19", got)
	}
	checkBuckets(t, res, "types", map[string]float64{"sts": 2, "no-policy-found": 1, "tlsa": 1})
	checkBuckets(t, res, "results", map[string]float64{"certificate-expired": 1, "validation-failure": 1, "starttls-not-supported": 1, "tlsa-invalid": 1})

	// dynamic: strict refuses a field the template does not declare.
	bad := bulkDoc{IndexName(prefix, KindSMTPTLS, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)), "bad",
		map[string]any{"@timestamp": "2026-11-01T00:00:00Z", "tls": map[string]any{"undeclared": 1}}}
	code, body := c.do("POST", "/"+bad.index+"/_doc/bad", mustJSON(t, bad.doc), "application/json")
	if code != 400 || !strings.Contains(string(body), "strict_dynamic_mapping_exception") {
		t.Errorf("undeclared field: HTTP %d %s, want a strict mapping error", code, body)
	}
}

func hitsTotal(res map[string]any) float64 {
	hits, _ := res["hits"].(map[string]any)
	total, _ := hits["total"].(map[string]any)
	v, _ := total["value"].(float64)
	return v
}

func checkBuckets(t *testing.T, res map[string]any, agg string, want map[string]float64) {
	t.Helper()
	aggs, _ := res["aggregations"].(map[string]any)
	a, _ := aggs[agg].(map[string]any)
	buckets, _ := a["buckets"].([]any)
	got := map[string]float64{}
	for _, b := range buckets {
		m := b.(map[string]any)
		got[fmt.Sprint(m["key"])] = m["doc_count"].(float64)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("aggregation %s: %v, want %v", agg, got, want)
	}
}
