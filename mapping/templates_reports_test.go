package mapping

import (
	"encoding/json"
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
)

// reportLeafTypes walks the JSON shape of t and returns each leaf path with the
// template type it needs. Strings are keyword unless listed in special.
func reportLeafTypes(t reflect.Type, prefix string, special map[string]string, out map[string]string) {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		path := prefix + name
		ft := f.Type
		for ft.Kind() == reflect.Pointer || ft.Kind() == reflect.Slice {
			ft = ft.Elem()
		}
		switch {
		case ft == reflect.TypeFor[time.Time]():
			out[path] = "date"
		case ft == reflect.TypeFor[GeoPoint]():
			out[path] = "geo_point"
		case ft.Kind() == reflect.Struct:
			reportLeafTypes(ft, path+".", special, out)
		case ft.Kind() == reflect.String:
			out[path] = "keyword"
			if s, ok := special[path]; ok {
				out[path] = s
			}
		case ft.Kind() == reflect.Bool:
			out[path] = "boolean"
		case ft.Kind() >= reflect.Int && ft.Kind() <= reflect.Uint64:
			out[path] = "long"
		case ft.Kind() == reflect.Float32 || ft.Kind() == reflect.Float64:
			out[path] = "double"
		default:
			out[path] = "unsupported " + ft.String()
		}
	}
}

// reportTemplateLeaves reads the leaf properties of a template file.
func reportTemplateLeaves(t *testing.T, file string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var tpl struct {
		Mappings struct {
			Dynamic          string                     `json:"dynamic"`
			DateDetection    *bool                      `json:"date_detection"`
			NumericDetection *bool                      `json:"numeric_detection"`
			Properties       map[string]json.RawMessage `json:"properties"`
		} `json:"mappings"`
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&tpl); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if tpl.Mappings.Dynamic != "strict" {
		t.Errorf("%s: dynamic = %q, want strict", file, tpl.Mappings.Dynamic)
	}
	if m := tpl.Mappings; m.DateDetection == nil || *m.DateDetection || m.NumericDetection == nil || *m.NumericDetection {
		t.Errorf("%s: date_detection and numeric_detection must be false", file)
	}
	out := map[string]string{}
	var walk func(prefix string, props map[string]json.RawMessage)
	walk = func(prefix string, props map[string]json.RawMessage) {
		for name, raw := range props {
			var p struct {
				Type       string                     `json:"type"`
				Properties map[string]json.RawMessage `json:"properties"`
			}
			if err := json.Unmarshal(raw, &p); err != nil {
				t.Fatalf("%s: %s%s: %v", file, prefix, name, err)
			}
			switch {
			case p.Properties != nil && p.Type == "":
				walk(prefix+name+".", p.Properties)
			case p.Type != "" && p.Properties == nil:
				out[prefix+name] = p.Type
			default:
				t.Errorf("%s: %s%s has neither a type nor properties (or both)", file, prefix, name)
			}
		}
	}
	walk("", tpl.Mappings.Properties)
	return out
}

// TestReportTemplatesMatchDocs: every JSON leaf of FailureDoc and TLSDoc has
// a property of the right type in its template, and every property is a
// leaf of the document.
func TestReportTemplatesMatchDocs(t *testing.T) {
	for _, tc := range []struct {
		file    string
		doc     reflect.Type
		special map[string]string
	}{
		{"templates/failure.json", reflect.TypeFor[FailureDoc](), map[string]string{
			"source.ip": "ip",
		}},
		// The TLS failure addresses are keyword, not ip: parallel arrays hold
		// "" where a detail has no address, and reporters write free text.
		{"templates/smtp_tls.json", reflect.TypeFor[TLSDoc](), nil},
	} {
		t.Run(tc.file, func(t *testing.T) {
			want := map[string]string{}
			reportLeafTypes(tc.doc, "", tc.special, want)
			got := reportTemplateLeaves(t, tc.file)
			var paths []string
			for p := range want {
				paths = append(paths, p)
			}
			sort.Strings(paths)
			for _, p := range paths {
				if got[p] != want[p] {
					t.Errorf("%s: template type %q, document needs %q", p, got[p], want[p])
				}
			}
			for p := range got {
				if _, ok := want[p]; !ok {
					t.Errorf("%s: in the template but not in the document", p)
				}
			}
			if len(want) < 20 {
				t.Errorf("only %d leaves: the walk is broken", len(want))
			}
		})
	}
}

// TestReportLeafTypes guards the walk itself: the shared Source fields
// with their enrichment are found with the types the brief requires.
func TestReportLeafTypes(t *testing.T) {
	got := map[string]string{}
	reportLeafTypes(reflect.TypeFor[FailureDoc](), "", map[string]string{"source.ip": "ip"}, got)
	for p, typ := range map[string]string{
		"source.ip": "ip", "source.domain": "keyword", "source.base_domain": "keyword",
		"source.geo.country_iso_code": "keyword", "source.geo.location": "geo_point",
		"source.as.number": "long", "source.as.organization.name": "keyword",
		"source.sender.matched_by": "keyword", "@timestamp": "date", "message.full_copy": "boolean",
		"failure.auth_failure": "keyword", "failure.incidents": "long",
	} {
		if got[p] != typ {
			t.Errorf("%s = %q, want %q", p, got[p], typ)
		}
	}
}
