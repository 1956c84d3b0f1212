package dashboards

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dmarc-agent/dmarc-agent/internal/testcluster"
	"github.com/dmarc-agent/dmarc-agent/mapping"
)

// osClient talks to the node; main_test.go closes its idle connections.
var osClient = &http.Client{Timeout: time.Minute}

// call sends one request and decodes the JSON answer; any status but 200 fails.
func call(t *testing.T, method, url string, body any, out any) {
	t.Helper()
	var rd io.Reader
	ct := "application/json"
	switch b := body.(type) {
	case nil:
	case []byte:
		rd, ct = bytes.NewReader(b), "application/x-ndjson"
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ct)
	resp, err := osClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: %s: %s", method, url, resp.Status, snippet(raw))
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %v", method, url, err)
		}
	}
}

// installFixtures puts the index templates for prefix and indexes the
// fixtures into <prefix>-<kind>-YYYY.MM; it removes both at the end.
func installFixtures(t *testing.T, base, prefix string) {
	t.Helper()
	for _, k := range kinds {
		name := mapping.TemplateName(prefix, k)
		body, err := mapping.IndexTemplate(prefix, k, mapping.TemplateSettings{Shards: 1, Replicas: 0, Priority: 500})
		if err != nil {
			t.Fatal(err)
		}
		call(t, http.MethodPut, base+"/_index_template/"+name, json.RawMessage(body), nil)
		t.Cleanup(func() {
			req, _ := http.NewRequest(http.MethodDelete, base+"/_index_template/"+name, nil)
			if resp, err := osClient.Do(req); err == nil {
				resp.Body.Close()
			}
		})
	}
	var bulk bytes.Buffer
	var indices []string
	for _, f := range fixtures(time.Now()) {
		index := mapping.IndexName(prefix, f.kind, f.at)
		if !slices.Contains(indices, index) {
			indices = append(indices, index)
		}
		action, _ := json.Marshal(map[string]any{"create": map[string]any{"_index": index}})
		doc, err := json.Marshal(f.doc)
		if err != nil {
			t.Fatal(err)
		}
		bulk.Write(action)
		bulk.WriteByte('\n')
		bulk.Write(doc)
		bulk.WriteByte('\n')
	}
	t.Cleanup(func() {
		req, _ := http.NewRequest(http.MethodDelete, base+"/"+strings.Join(indices, ","), nil)
		if resp, err := osClient.Do(req); err == nil {
			resp.Body.Close()
		}
	})
	var res struct {
		Errors bool `json:"errors"`
		Items  []map[string]struct {
			Status int             `json:"status"`
			Error  json.RawMessage `json:"error"`
		} `json:"items"`
	}
	call(t, http.MethodPost, base+"/_bulk?refresh=wait_for", bulk.Bytes(), &res)
	if res.Errors {
		for i, it := range res.Items {
			for _, r := range it {
				if r.Status >= 300 {
					t.Errorf("fixture %d rejected: %s", i, r.Error)
				}
			}
		}
		t.FailNow()
	}
}

// TestVisualisationsOnOpenSearch indexes the fixtures into a real node with
// the index templates installed, then runs, for every visualisation of the
// bundle, the aggregation its visState encodes on its index pattern, and
// checks that every bucket level returned buckets and every metric a value.
// Saved searches must return documents holding each of their columns.
func TestVisualisationsOnOpenSearch(t *testing.T) {
	testcluster.Run(t, visualisationsOn)
}

func visualisationsOn(t *testing.T, c testcluster.Cluster) {
	base := c.URL
	prefix := fmt.Sprintf("dashtest-%d", time.Now().UnixNano())
	installFixtures(t, base, prefix)

	objs := bundleObjects(t, prefix)
	titles := map[string]string{}
	for _, o := range objs {
		if o.Type == "index-pattern" {
			titles[o.ID] = o.str("title")
		}
	}
	ran := 0
	for _, o := range objs {
		if o.Type != "visualization" && o.Type != "search" {
			continue
		}
		v, err := o.visState()
		if o.Type == "visualization" && (err != nil || v.Type == "markdown") {
			continue
		}
		ran++
		t.Run(o.ID, func(t *testing.T) {
			s, err := o.searchSource()
			if err != nil {
				t.Fatal(err)
			}
			pattern := titles[o.References[0].ID]
			if o.Type == "search" {
				checkSearchHits(t, base, pattern, s.Query.Query, o)
				return
			}
			req, err := visRequest(v, s.Query.Query)
			if err != nil {
				t.Fatal(err)
			}
			var resp struct {
				Aggregations map[string]any `json:"aggregations"`
			}
			call(t, http.MethodPost, base+"/"+pattern+"/_search", req, &resp)
			if err := checkAggResponse(resp.Aggregations, v.Aggs); err != nil {
				t.Error(err)
			}
		})
	}
	if ran < 35 {
		t.Errorf("ran %d visualisations and searches, expected every one of the bundle", ran)
	}
}

func checkSearchHits(t *testing.T, base, pattern, query string, o savedObject) {
	t.Helper()
	body := map[string]any{"size": 10, "sort": []any{map[string]any{"@timestamp": "desc"}}}
	if query != "" {
		body["query"] = queryString(query)
	}
	var resp struct {
		Hits struct {
			Hits []struct {
				Source map[string]any `json:"_source"`
			} `json:"hits"`
		} `json:"hits"`
	}
	call(t, http.MethodPost, base+"/"+pattern+"/_search", body, &resp)
	if len(resp.Hits.Hits) == 0 {
		t.Fatal("no documents")
	}
	cols, _ := o.Attributes["columns"].([]any)
	for _, c := range cols {
		found := false
		for _, h := range resp.Hits.Hits {
			found = found || lookup(h.Source, c.(string)) != nil
		}
		if !found {
			t.Errorf("column %s is in no document", c)
		}
	}
}

// lookup returns the value at a dotted path of a JSON object.
func lookup(m map[string]any, path string) any {
	var cur any = m
	for _, p := range strings.Split(path, ".") {
		obj, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = obj[p]
	}
	return cur
}
