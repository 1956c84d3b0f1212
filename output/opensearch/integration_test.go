package opensearch

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/dmarc-agent/dmarc-agent/internal/testcluster"

	"github.com/dmarc-agent/dmarc-agent/mapping"
)

// newRealOutput builds an output on the real cluster with prefix.
func newRealOutput(t *testing.T, base, prefix string) *Output {
	t.Helper()
	o, err := New(t.Context(), testConfig(base), prefix, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { o.Close(t.Context()) })
	return o
}

func TestIntegrationWriteTwiceSameCount(t *testing.T) {
	testcluster.Run(t, testIntegrationWriteTwiceSameCount)
}

func testIntegrationWriteTwiceSameCount(t *testing.T, c testcluster.Cluster) {
	base := c.URL
	prefix := testcluster.Prefix(t, base)
	o := newRealOutput(t, base, prefix)
	ds, _ := aggDocs(t, prefix, 1500)

	res, err := o.Write(t.Context(), seq(ds))
	if err != nil || res.Indexed != 1500 || res.Duplicates != 0 || len(res.Failed) != 0 {
		t.Fatalf("first Write = %d indexed, %d duplicates, %d failed, %v", res.Indexed, res.Duplicates, len(res.Failed), err)
	}
	if n := testcluster.Count(t, base, prefix+"-*"); n != 1500 {
		t.Fatalf("_count after first Write = %d, want 1500", n)
	}
	res, err = o.Write(t.Context(), seq(ds))
	if err != nil || res.Indexed != 0 || res.Duplicates != 1500 || len(res.Failed) != 0 {
		t.Fatalf("second Write = %d indexed, %d duplicates, %d failed, %v", res.Indexed, res.Duplicates, len(res.Failed), err)
	}
	if n := testcluster.Count(t, base, prefix+"-*"); n != 1500 {
		t.Fatalf("_count after second Write = %d, want 1500", n)
	}
}

func TestIntegrationTemplatesAndLiveMapping(t *testing.T) {
	testcluster.Run(t, testIntegrationTemplatesAndLiveMapping)
}

func testIntegrationTemplatesAndLiveMapping(t *testing.T, c testcluster.Cluster) {
	base := c.URL
	prefix := testcluster.Prefix(t, base)
	o := newRealOutput(t, base, prefix)
	ds, ads := aggDocs(t, prefix, 10)
	if _, err := o.Write(t.Context(), seq(ds)); err != nil {
		t.Fatal(err)
	}

	tm := testcluster.Do(t, base, http.MethodGet, "/_index_template/"+prefix+"-*", "")
	var names []string
	for _, it := range tm["index_templates"].([]any) {
		names = append(names, it.(map[string]any)["name"].(string))
	}
	if !slices.Contains(names, prefix+"-aggregate") {
		t.Fatalf("GET _index_template shows %v, want %s-aggregate", names, prefix)
	}

	idx := mapping.IndexName(prefix, mapping.KindAggregate, ads[0].Timestamp)
	live := testcluster.Do(t, base, http.MethodGet, "/"+idx+"/_mapping", "")
	m := live[idx].(map[string]any)["mappings"].(map[string]any)
	if m["dynamic"] != "strict" {
		t.Errorf("live dynamic = %v, want strict", m["dynamic"])
	}
	got := map[string]string{}
	leaves(m["properties"].(map[string]any), "", got)
	for path, want := range map[string]string{"source.ip": "ip", "@timestamp": "date", "message.count": "long", "source.geo.location": "geo_point"} {
		if got[path] != want {
			t.Errorf("live mapping %s = %q, want %q", path, got[path], want)
		}
	}
	tmplRaw, _ := mapping.Mappings(mapping.KindAggregate)
	var tmpl map[string]any
	json.Unmarshal(tmplRaw, &tmpl)
	declared := map[string]string{}
	leaves(tmpl["properties"].(map[string]any), "", declared)
	for p, typ := range got {
		if declared[p] != typ {
			t.Errorf("live field %s (%s) is not declared as such in the template: added dynamically?", p, typ)
		}
	}
	if len(got) != len(declared) {
		t.Errorf("live mapping has %d leaves, template %d", len(got), len(declared))
	}
}

func TestIntegrationAggregations(t *testing.T) { testcluster.Run(t, testIntegrationAggregations) }

func testIntegrationAggregations(t *testing.T, c testcluster.Cluster) {
	base := c.URL
	prefix := testcluster.Prefix(t, base)
	o := newRealOutput(t, base, prefix)
	ds, ads := aggDocs(t, prefix, 200)
	if _, err := o.Write(t.Context(), seq(ds)); err != nil {
		t.Fatal(err)
	}
	testcluster.Count(t, base, prefix+"-*") // refresh

	wantIP := map[string]int{}
	wantMonth := map[string]int{}
	for _, d := range ads {
		wantIP[d.Source.IP]++
		wantMonth[d.Timestamp.Format("2006-01")]++
	}
	res := testcluster.Do(t, base, http.MethodPost, "/"+prefix+"-aggregate-*/_search", `{"size":0,"aggs":{
		"ips":{"terms":{"field":"source.ip","size":10}},
		"months":{"date_histogram":{"field":"@timestamp","calendar_interval":"month","format":"yyyy-MM"}},
		"messages":{"sum":{"field":"message.count"}}}}`)
	aggs := res["aggregations"].(map[string]any)
	gotIP := map[string]int{}
	for _, b := range aggs["ips"].(map[string]any)["buckets"].([]any) {
		bm := b.(map[string]any)
		gotIP[bm["key"].(string)] = int(bm["doc_count"].(float64))
	}
	if !maps.Equal(gotIP, wantIP) {
		t.Errorf("terms on source.ip = %v, want %v", gotIP, wantIP)
	}
	gotMonth := map[string]int{}
	for _, b := range aggs["months"].(map[string]any)["buckets"].([]any) {
		bm := b.(map[string]any)
		gotMonth[bm["key_as_string"].(string)] = int(bm["doc_count"].(float64))
	}
	if !maps.Equal(gotMonth, wantMonth) || len(gotMonth) != 2 {
		t.Errorf("date_histogram on @timestamp = %v, want %v", gotMonth, wantMonth)
	}
	var sum int64
	for _, d := range ads {
		sum += d.Message.Count
	}
	if got := aggs["messages"].(map[string]any)["value"].(float64); int64(got) != sum {
		t.Errorf("sum of message.count = %v, want %d", got, sum)
	}
}

func TestIntegrationRejectedDocumentReported(t *testing.T) {
	testcluster.Run(t, testIntegrationRejectedDocumentReported)
}

func testIntegrationRejectedDocumentReported(t *testing.T, c testcluster.Cluster) {
	base := c.URL
	prefix := testcluster.Prefix(t, base)
	o := newRealOutput(t, base, prefix)
	ds, ads := aggDocs(t, prefix, 20)
	bad := ads[3]
	bad.Source.IP = "not-an-ip"
	ds[3].Body, _ = json.Marshal(bad)
	// a field the template does not declare: strict mapping refuses it
	ds[7].Body = []byte(strings.Replace(string(ds[7].Body), `"report":{`, `"report":{"surprise":"x",`, 1))

	res, err := o.Write(t.Context(), seq(ds))
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	if res.Indexed != 18 || len(res.Failed) != 2 {
		t.Fatalf("Write = %d indexed, failed %+v; want 18 and 2", res.Indexed, res.Failed)
	}
	byID := map[string]string{}
	for _, f := range res.Failed {
		byID[f.ID] = f.Reason
	}
	// Elasticsearch 8+ names the same refusal document_parsing_exception.
	wantType := map[string]string{testcluster.OpenSearch: "mapper_parsing_exception", testcluster.Elasticsearch: "document_parsing_exception"}[c.Engine]
	if r := byID[ds[3].ID]; !strings.Contains(r, "HTTP 400: "+wantType) || !strings.Contains(r, "source.ip") {
		t.Errorf("reason for the bad ip: %q", r)
	}
	if r := byID[ds[7].ID]; !strings.Contains(r, "strict_dynamic_mapping_exception") || !strings.Contains(r, "surprise") {
		t.Errorf("reason for the undeclared field: %q", r)
	}
	if n := testcluster.Count(t, base, prefix+"-aggregate-*"); n != 18 {
		t.Errorf("_count = %d, want 18", n)
	}
	// Both refused documents are kept whole in the dead-letter index.
	dl := DeadLetterIndex(prefix)
	if n := testcluster.Count(t, base, dl); n != 2 {
		t.Fatalf("dead-letter _count = %d, want 2", n)
	}
	hits := testcluster.Do(t, base, http.MethodPost, "/"+dl+"/_search", `{"size":10,"sort":[{"id":"asc"}]}`)["hits"].(map[string]any)["hits"].([]any)
	for _, h := range hits {
		e := h.(map[string]any)["_source"].(map[string]any)
		id := e["id"].(string)
		want := map[string]string{ds[3].ID: string(ds[3].Body), ds[7].ID: string(ds[7].Body)}[id]
		if want == "" || e["document"] != want || e["reason"] != byID[id] || e["index"] != ds[3].Index || e["status"] != 400.0 {
			t.Errorf("dead-letter entry %v", e)
		}
	}
}
