package spec

import (
	"github.com/dmarc-agent/dmarc-agent/mapping"
)

// Vis is one visualisation. Query is a Lucene query (the language OpenSearch
// runs as query_string) that the visualisation applies on top of the
// dashboard's filters.
type Vis struct {
	ID          string
	Title       string
	Description string
	Kind        mapping.Kind // which index pattern it reads
	Type        string       // line, area, histogram, horizontal_bar, pie, table, metric, markdown, tile_map
	Params      map[string]any
	Aggs        []Agg
	Query       string
	UIState     map[string]any
}

// Agg is one entry of visState.aggs.
type Agg struct {
	ID      string         `json:"id"`
	Enabled bool           `json:"enabled"`
	Type    string         `json:"type"`
	Schema  string         `json:"schema"`
	Params  map[string]any `json:"params"`
}

func (v Vis) object() (Object, error) {
	aggs := v.Aggs
	if aggs == nil {
		aggs = []Agg{}
	}
	state, err := jsonString(map[string]any{"title": v.Title, "type": v.Type, "params": v.Params, "aggs": aggs})
	if err != nil {
		return Object{}, err
	}
	ui := v.UIState
	if ui == nil {
		ui = map[string]any{}
	}
	uiJSON, err := jsonString(ui)
	if err != nil {
		return Object{}, err
	}
	attrs := map[string]any{
		"title":       v.Title,
		"description": v.Description,
		"version":     1,
		"visState":    state,
		"uiStateJSON": uiJSON,
	}
	obj := Object{Type: "visualization", ID: v.ID, MigrationVersion: map[string]string{"visualization": visualizationVersion}, References: []Reference{}}
	source := map[string]any{"query": map[string]any{"query": v.Query, "language": "lucene"}, "filter": []any{}}
	if v.Type != "markdown" {
		source["indexRefName"] = SearchSourceRef
		obj.References = append(obj.References, Reference{ID: IndexPatternID(v.Kind), Name: SearchSourceRef, Type: "index-pattern"})
	}
	ss, err := jsonString(source)
	if err != nil {
		return Object{}, err
	}
	attrs["kibanaSavedObjectMeta"] = map[string]any{"searchSourceJSON": ss}
	obj.Attributes = attrs
	return obj, nil
}

// Metric aggregations.

func sum(id, field, label string) Agg {
	return Agg{ID: id, Enabled: true, Type: "sum", Schema: "metric", Params: map[string]any{"field": field, "customLabel": label}}
}

func count(id, label string) Agg {
	return Agg{ID: id, Enabled: true, Type: "count", Schema: "metric", Params: map[string]any{"customLabel": label}}
}

func cardinality(id, field, label string) Agg {
	return Agg{ID: id, Enabled: true, Type: "cardinality", Schema: "metric", Params: map[string]any{"field": field, "customLabel": label}}
}

func maxOf(id, field, label string) Agg {
	return Agg{ID: id, Enabled: true, Type: "max", Schema: "metric", Params: map[string]any{"field": field, "customLabel": label}}
}

// latest shows the field's value in the newest document of the bucket.
func latest(id, field, label string) Agg {
	return Agg{ID: id, Enabled: true, Type: "top_hits", Schema: "metric", Params: map[string]any{
		"field": field, "aggregate": "concat", "size": 1,
		"sortField": "@timestamp", "sortOrder": "desc", "customLabel": label,
	}}
}

// Bucket aggregations. schema is segment (x axis, slices), group (series),
// bucket (table rows) or split (one chart per bucket).

// terms buckets by a field, ordered by metric orderBy ("_key" for
// alphabetical). missing labels documents without the field; "" leaves them
// out (required for non-string fields).
func terms(id, schema, field string, size int, orderBy, label, missing string) Agg {
	order := "desc"
	if orderBy == "_key" {
		order = "asc"
	}
	p := map[string]any{
		"field": field, "orderBy": orderBy, "order": order, "size": size,
		"otherBucket": false, "otherBucketLabel": "Other",
		"missingBucket": missing != "", "missingBucketLabel": "Missing", "customLabel": label,
	}
	if missing != "" {
		p["missingBucketLabel"] = missing
	}
	return Agg{ID: id, Enabled: true, Type: "terms", Schema: schema, Params: p}
}

func dateHistogram(id string) Agg {
	return Agg{ID: id, Enabled: true, Type: "date_histogram", Schema: "segment", Params: map[string]any{
		"field": "@timestamp", "useNormalizedOpenSearchInterval": true, "scaleMetricValues": false,
		"interval": "auto", "drop_partials": false, "min_doc_count": 1, "extended_bounds": map[string]any{},
		"customLabel": "Report date",
	}}
}

// Filter is one bucket of a filters aggregation (a Lucene query).
type Filter struct{ Label, Query string }

func filters(id, schema string, fs ...Filter) Agg {
	list := make([]any, 0, len(fs))
	for _, f := range fs {
		list = append(list, map[string]any{"input": map[string]any{"query": f.Query, "language": "lucene"}, "label": f.Label})
	}
	return Agg{ID: id, Enabled: true, Type: "filters", Schema: schema, Params: map[string]any{"filters": list}}
}

func geohash(id, field string) Agg {
	return Agg{ID: id, Enabled: true, Type: "geohash_grid", Schema: "segment", Params: map[string]any{
		"field": field, "autoPrecision": true, "precision": 2, "useGeocentroid": true,
		"isFilteredByCollar": true, "mapZoom": 2, "mapCenter": []any{20, 0},
	}}
}
