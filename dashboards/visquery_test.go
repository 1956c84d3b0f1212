package dashboards

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// The functions below translate a visualisation's visState into the search
// request Dashboards sends for it: bucket aggregations nested in the order
// they appear, metric aggregations under the innermost bucket (and under
// every level, where terms may order by them), the visualisation's Lucene
// query, and the dashboard's default time range.

const timeRange = "now-30d"

// visRequest returns the _search body for a visualisation.
func visRequest(v visState, query string) (map[string]any, error) {
	var metrics, buckets []visAgg
	for _, a := range v.Aggs {
		if a.Schema == "metric" {
			metrics = append(metrics, a)
		} else {
			buckets = append(buckets, a)
		}
	}
	metricDSL := map[string]any{}
	for _, m := range metrics {
		d, err := metricAgg(m)
		if err != nil {
			return nil, err
		}
		if d != nil {
			metricDSL[m.ID] = d
		}
	}
	inner := metricDSL
	for i := len(buckets) - 1; i >= 0; i-- {
		d, err := bucketAgg(buckets[i], metrics)
		if err != nil {
			return nil, err
		}
		sub := map[string]any{}
		for k, m := range metricDSL {
			sub[k] = m
		}
		for k, a := range inner {
			sub[k] = a
		}
		if len(sub) > 0 {
			d["aggs"] = sub
		}
		inner = map[string]any{buckets[i].ID: d}
	}
	must := []any{}
	if query != "" {
		must = append(must, queryString(query))
	}
	return map[string]any{
		"size": 0,
		"query": map[string]any{"bool": map[string]any{
			"must":   must,
			"filter": []any{map[string]any{"range": map[string]any{"@timestamp": map[string]any{"gte": timeRange, "lte": "now"}}}},
		}},
		"aggs": inner,
	}, nil
}

func queryString(q string) map[string]any {
	return map[string]any{"query_string": map[string]any{"query": q, "analyze_wildcard": true}}
}

func metricAgg(a visAgg) (map[string]any, error) {
	field := a.param("field")
	switch a.Type {
	case "count":
		return nil, nil // doc_count
	case "sum", "avg", "min", "max", "cardinality":
		return map[string]any{a.Type: map[string]any{"field": field}}, nil
	case "top_hits":
		return map[string]any{"top_hits": map[string]any{
			"size":    a.Params["size"],
			"sort":    []any{map[string]any{a.param("sortField"): map[string]any{"order": a.param("sortOrder")}}},
			"_source": map[string]any{"includes": []string{field}},
		}}, nil
	}
	return nil, fmt.Errorf("metric aggregation %q has no translation", a.Type)
}

func bucketAgg(a visAgg, metrics []visAgg) (map[string]any, error) {
	field := a.param("field")
	switch a.Type {
	case "terms":
		t := map[string]any{"field": field, "size": a.Params["size"]}
		order := a.param("order")
		switch ob := a.param("orderBy"); ob {
		case "_key":
			t["order"] = map[string]any{"_key": order}
		default:
			key := ob
			for _, m := range metrics {
				if m.ID == ob && m.Type == "count" {
					key = "_count"
				}
			}
			t["order"] = map[string]any{key: order}
		}
		if a.Params["missingBucket"] == true {
			t["missing"] = "__missing__"
		}
		return map[string]any{"terms": t}, nil
	case "date_histogram":
		return map[string]any{"date_histogram": map[string]any{
			"field": field, "fixed_interval": "1d", "min_doc_count": a.Params["min_doc_count"],
		}}, nil
	case "filters":
		fs := map[string]any{}
		for _, q := range aggFilterList(a) {
			fs[q[0]] = queryString(q[1])
		}
		return map[string]any{"filters": map[string]any{"filters": fs}}, nil
	case "geohash_grid":
		return map[string]any{
			"geohash_grid": map[string]any{"field": field, "precision": a.Params["precision"]},
			"aggs":         map[string]any{"centroid": map[string]any{"geo_centroid": map[string]any{"field": field}}},
		}, nil
	}
	return nil, fmt.Errorf("bucket aggregation %q has no translation", a.Type)
}

// aggFilterList returns the (label, query) pairs of a filters aggregation.
func aggFilterList(a visAgg) [][2]string {
	var out [][2]string
	list, _ := a.Params["filters"].([]any)
	for _, f := range list {
		m, _ := f.(map[string]any)
		in, _ := m["input"].(map[string]any)
		label, _ := m["label"].(string)
		q, _ := in["query"].(string)
		out = append(out, [2]string{label, q})
	}
	return out
}

func TestVisRequest(t *testing.T) {
	v := visState{Aggs: []visAgg{
		{ID: "1", Type: "sum", Schema: "metric", Params: map[string]any{"field": "message.count"}},
		{ID: "2", Type: "date_histogram", Schema: "segment", Params: map[string]any{"field": "@timestamp", "min_doc_count": 1.0}},
		{ID: "3", Type: "terms", Schema: "group", Params: map[string]any{"field": "dmarc.verdict", "size": 5.0, "orderBy": "1", "order": "desc", "missingBucket": true}},
	}}
	got, err := visRequest(v, "dmarc.pass:false")
	if err != nil {
		t.Fatal(err)
	}
	want := `{"aggs":{"2":{"aggs":{"1":{"sum":{"field":"message.count"}},` +
		`"3":{"aggs":{"1":{"sum":{"field":"message.count"}}},"terms":{"field":"dmarc.verdict","missing":"__missing__","order":{"1":"desc"},"size":5}}},` +
		`"date_histogram":{"field":"@timestamp","fixed_interval":"1d","min_doc_count":1}}},` +
		`"query":{"bool":{"filter":[{"range":{"@timestamp":{"gte":"now-30d","lte":"now"}}}],` +
		`"must":[{"query_string":{"analyze_wildcard":true,"query":"dmarc.pass:false"}}]}},"size":0}`
	if b, _ := json.Marshal(got); string(b) != want {
		t.Errorf("request\n got %s\nwant %s", b, want)
	}
	if _, err := visRequest(visState{Aggs: []visAgg{{ID: "1", Type: "percentiles", Schema: "metric"}}}, ""); err == nil {
		t.Error("an aggregation without translation was accepted")
	}
}

// checkAggResponse checks a search response for a visualisation: every
// bucket level has at least one non-empty bucket under some parent, and every
// metric has a value in at least one innermost bucket.
func checkAggResponse(root map[string]any, aggs []visAgg) error {
	leaves := []map[string]any{root}
	var metrics []visAgg
	for _, a := range aggs {
		if a.Schema == "metric" {
			metrics = append(metrics, a)
			continue
		}
		var next []map[string]any
		for _, l := range leaves {
			res, _ := l[a.ID].(map[string]any)
			switch bs := res["buckets"].(type) {
			case []any:
				for _, b := range bs {
					if bm, ok := b.(map[string]any); ok && bm["doc_count"].(float64) > 0 {
						next = append(next, bm)
					}
				}
			case map[string]any: // filters
				for _, b := range bs {
					if bm, ok := b.(map[string]any); ok && bm["doc_count"].(float64) > 0 {
						next = append(next, bm)
					}
				}
			}
		}
		if len(next) == 0 {
			return fmt.Errorf("%s on %q returned no buckets", a.Type, a.param("field"))
		}
		leaves = next
	}
	for _, m := range metrics {
		ok := false
		for _, l := range leaves {
			ok = ok || metricHasValue(m, l)
		}
		if !ok {
			return fmt.Errorf("%s of %q has no value in any bucket", m.Type, m.param("field"))
		}
	}
	return nil
}

func metricHasValue(m visAgg, bucket map[string]any) bool {
	if m.Type == "count" {
		n, _ := bucket["doc_count"].(float64)
		return n > 0
	}
	res, _ := bucket[m.ID].(map[string]any)
	switch m.Type {
	case "top_hits":
		hits, _ := res["hits"].(map[string]any)
		list, _ := hits["hits"].([]any)
		for _, h := range list {
			src, _ := h.(map[string]any)["_source"].(map[string]any)
			if lookup(src, m.param("field")) != nil {
				return true
			}
		}
		return false
	case "max", "min", "avg":
		return res["value"] != nil
	default: // sum, cardinality
		v, _ := res["value"].(float64)
		return v > 0
	}
}

func TestCheckAggResponse(t *testing.T) {
	aggs := []visAgg{
		{ID: "1", Type: "sum", Schema: "metric", Params: map[string]any{"field": "message.count"}},
		{ID: "5", Type: "top_hits", Schema: "metric", Params: map[string]any{"field": "policy.pct"}},
		{ID: "2", Type: "terms", Schema: "bucket", Params: map[string]any{"field": "policy.domain"}},
		{ID: "3", Type: "filters", Schema: "bucket", Params: map[string]any{}},
	}
	hit := func(src string) string { return `"5":{"hits":{"hits":[{"_source":` + src + `}]}}` }
	for _, tc := range []struct{ name, resp, wantErr string }{
		{"values", `{"2":{"buckets":[{"doc_count":3,"3":{"buckets":{"pass":{"doc_count":0},"fail":{"doc_count":3,"1":{"value":15},` + hit(`{"policy":{"pct":100}}`) + `}}}}]}}`, ""},
		{"no outer buckets", `{"2":{"buckets":[]}}`, `terms on "policy.domain" returned no buckets`},
		{"empty filters", `{"2":{"buckets":[{"doc_count":3,"3":{"buckets":{"pass":{"doc_count":0}}}}]}}`, `filters on "" returned no buckets`},
		{"sum zero", `{"2":{"buckets":[{"doc_count":3,"3":{"buckets":{"fail":{"doc_count":3,"1":{"value":0},` + hit(`{"policy":{"pct":100}}`) + `}}}}]}}`, `sum of "message.count" has no value`},
		{"top hit without the field", `{"2":{"buckets":[{"doc_count":3,"3":{"buckets":{"fail":{"doc_count":3,"1":{"value":2},` + hit(`{"policy":{"p":"none"}}`) + `}}}}]}}`, `top_hits of "policy.pct" has no value`},
	} {
		var root map[string]any
		if err := json.Unmarshal([]byte(tc.resp), &root); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		err := checkAggResponse(root, aggs)
		if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.wantErr)
		}
	}
}
