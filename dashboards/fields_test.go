package dashboards

import (
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dmarc-agent/dmarc-agent/mapping"
	"github.com/dmarc-agent/dmarc-agent/tools/gendashboards/spec"
)

// docShapes describes each document kind's Go struct: for every leaf field,
// whether it is an array (of scalars) and whether it sits under an array of
// objects.
var docShapes = map[mapping.Kind]any{
	mapping.KindAggregate: mapping.AggregateDoc{},
	mapping.KindFailure:   mapping.FailureDoc{},
	mapping.KindSMTPTLS:   mapping.TLSDoc{},
}

type shape struct{ array, underObjectArray bool }

func docFields(doc any) map[string]shape {
	out := map[string]shape{}
	walkStruct(reflect.TypeOf(doc), "", false, out)
	return out
}

var timeType = reflect.TypeOf(time.Time{})
var geoPointType = reflect.TypeOf(mapping.GeoPoint{})

func walkStruct(t reflect.Type, prefix string, underArray bool, out map[string]shape) {
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" || !f.IsExported() {
			continue
		}
		path, ft, array := prefix+name, f.Type, false
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Slice {
			ft, array = ft.Elem(), true
		}
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct && ft != timeType && ft != geoPointType {
			walkStruct(ft, path+".", underArray || array, out)
			continue
		}
		out[path] = shape{array: array, underObjectArray: underArray}
	}
}

// fieldRule says which mapping types an aggregation accepts.
func fieldRule(aggType string) []string {
	switch aggType {
	case "sum", "avg", "min":
		return []string{"long", "integer", "short", "byte", "double", "float", "scaled_float"}
	case "max":
		return []string{"long", "integer", "short", "byte", "double", "float", "scaled_float", "date"}
	case "date_histogram":
		return []string{"date"}
	case "geohash_grid":
		return []string{"geo_point"}
	case "terms", "cardinality", "top_hits":
		return []string{"keyword", "long", "integer", "short", "byte", "double", "float", "date", "boolean", "ip"}
	}
	return nil
}

// queryFields finds the field names a Lucene query refers to (field:value
// and _exists_:field).
var queryFieldRE = regexp.MustCompile(`(?:^|[\s(])(_exists_:)?([@A-Za-z_][\w.@]*):`)

func queryFields(q string) []string {
	var out []string
	for _, m := range queryFieldRE.FindAllStringSubmatch(q, -1) {
		out = append(out, m[2])
	}
	for _, m := range regexp.MustCompile(`_exists_:([\w.@]+)`).FindAllStringSubmatch(q, -1) {
		out = append(out, m[1])
	}
	return slices.DeleteFunc(out, func(s string) bool { return s == "_exists_" })
}

func patternKind(t *testing.T, o savedObject, prefix string) mapping.Kind {
	t.Helper()
	for _, k := range kinds {
		if len(o.References) == 1 && o.References[0].ID == prefix+"-"+k.IndexKind() {
			return k
		}
	}
	t.Fatalf("%s: no index-pattern reference", o.key())
	return ""
}

// TestVisualisationFieldsExistAndAggregate checks every field a
// visualisation aggregates on, filters on or shows: it exists in the index
// template with a type that aggregation accepts, is a scalar or an array of
// scalars in the document struct (never under an array of objects), and a
// visualisation never buckets on two different array fields (which would pair
// values from different DKIM signatures, SPF checks or failure details).
func TestVisualisationFieldsExistAndAggregate(t *testing.T) {
	types := templateFields(t)
	shapes := map[mapping.Kind]map[string]shape{}
	for k, d := range docShapes {
		shapes[k] = docFields(d)
	}
	checked := 0
	for _, o := range bundleObjects(t, "dmarc") {
		if o.Type != "visualization" && o.Type != "search" {
			continue
		}
		if o.Type == "visualization" {
			if v, _ := o.visState(); v.Type == "markdown" {
				continue
			}
		}
		kind := patternKind(t, o, "dmarc")
		fields := types[kind]
		exists := func(what, f string) {
			t.Helper()
			if _, ok := fields[f]; !ok {
				t.Errorf("%s: %s %q is not in the %s index template", o.key(), what, f, kind)
			}
		}
		s, _ := o.searchSource()
		for _, f := range queryFields(s.Query.Query) {
			exists("query field", f)
		}
		if o.Type == "search" {
			cols, _ := o.Attributes["columns"].([]any)
			for _, c := range cols {
				exists("column", c.(string))
			}
			continue
		}
		v, err := o.visState()
		if err != nil {
			t.Fatal(err)
		}
		var arrays []string
		for _, a := range v.Aggs {
			for _, f := range aggQueries(a) {
				for _, qf := range queryFields(f) {
					exists("filter field", qf)
				}
			}
			f := a.param("field")
			if a.Type == "count" || a.Type == "filters" {
				continue
			}
			checked++
			es, ok := fields[f]
			if !ok {
				t.Errorf("%s: %s on %q: not in the %s index template", o.key(), a.Type, f, kind)
				continue
			}
			if !slices.Contains(fieldRule(a.Type), es) || !spec.Aggregatable(es) {
				t.Errorf("%s: %s on %q: field type %s cannot be used", o.key(), a.Type, f, es)
			}
			if a.Type == "terms" && a.Params["missingBucket"] == true && es != "keyword" {
				t.Errorf("%s: missing bucket on %s field %q fails in OpenSearch", o.key(), es, f)
			}
			if a.Type == "top_hits" {
				exists("top_hits sort field", a.param("sortField"))
			}
			sh, known := shapes[kind][f]
			if shapes[kind] != nil && !known {
				t.Errorf("%s: %q is in the template but not in the %s document struct", o.key(), f, kind)
			}
			if sh.underObjectArray {
				t.Errorf("%s: %q lies under an array of objects", o.key(), f)
			}
			if sh.array && a.Schema != "metric" && !slices.Contains(arrays, f) {
				arrays = append(arrays, f)
			}
		}
		if len(arrays) > 1 {
			t.Errorf("%s buckets on several array fields %v: rows would pair unrelated entries", o.key(), arrays)
		}
	}
	if checked < 50 {
		t.Errorf("only %d aggregations checked; the bundle lost its visualisations?", checked)
	}
}

func aggQueries(a visAgg) []string {
	var out []string
	list, _ := a.Params["filters"].([]any)
	for _, f := range list {
		in, _ := f.(map[string]any)["input"].(map[string]any)
		q, _ := in["query"].(string)
		out = append(out, q)
	}
	return out
}

func TestQueryFields(t *testing.T) {
	for q, want := range map[string][]string{
		"dmarc.pass:false":                       {"dmarc.pass"},
		"NOT dmarc.verdict:spoofed":              {"dmarc.verdict"},
		"_exists_:dmarc.override.types":          {"dmarc.override.types"},
		"*":                                      nil,
		"(a.b:x OR c:y) AND @timestamp:[1 TO 2]": {"a.b", "c", "@timestamp"},
	} {
		if got := queryFields(q); !slices.Equal(got, want) {
			t.Errorf("queryFields(%q) = %q, want %q", q, got, want)
		}
	}
}
