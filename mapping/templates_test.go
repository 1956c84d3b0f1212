package mapping

import (
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// docTypes names the Go document type of every kind that has a template. A
// template without an entry here fails TestTemplatesMatchDocuments: add the
// kind's struct when adding its templates/<kind>.json.
var docTypes = map[Kind]reflect.Type{
	KindAggregate: reflect.TypeFor[AggregateDoc](),
	KindFailure:   reflect.TypeFor[FailureDoc](),
	KindSMTPTLS:   reflect.TypeFor[TLSDoc](),
}

// allowedTypes returns the mapping types that may hold a Go leaf at path.
// Strings named ip or *_ip are addresses and must be mapped as ip.
func allowedTypes(path string, t reflect.Type) []string {
	name := path[strings.LastIndexByte(path, '.')+1:]
	switch {
	case t.Kind() == reflect.String && (name == "ip" || strings.HasSuffix(name, "_ip")):
		return []string{"ip"}
	case t == reflect.TypeFor[time.Time]():
		return []string{"date"}
	case t == reflect.TypeFor[GeoPoint]():
		return []string{"geo_point"}
	}
	switch t.Kind() {
	case reflect.String:
		return []string{"keyword"}
	case reflect.Bool:
		return []string{"boolean"}
	case reflect.Int64, reflect.Uint32, reflect.Uint64:
		return []string{"long"}
	case reflect.Int, reflect.Int32, reflect.Int16, reflect.Int8, reflect.Uint16, reflect.Uint8:
		return []string{"long", "integer"}
	case reflect.Float64, reflect.Float32:
		return []string{"double", "float"}
	}
	return nil
}

// goLeaves walks t's json fields and returns every leaf path with its Go type.
func goLeaves(t reflect.Type, prefix string, out map[string]reflect.Type) {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || t == reflect.TypeFor[time.Time]() || t == reflect.TypeFor[GeoPoint]() {
		out[prefix] = t
		return
	}
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		p := name
		if prefix != "" {
			p = prefix + "." + name
		}
		// int fields behind a pointer keep their own kind (e.g. *int pct)
		goLeaves(f.Type, p, out)
	}
}

// templateLeaves returns every leaf property path of a mappings object with its type.
func templateLeaves(t *testing.T, props map[string]any, prefix string, out map[string]string) {
	t.Helper()
	for name, v := range props {
		p := name
		if prefix != "" {
			p = prefix + "." + name
		}
		m, _ := v.(map[string]any)
		if sub, ok := m["properties"].(map[string]any); ok {
			if typ, ok := m["type"]; ok && typ != "object" {
				t.Errorf("%s: has properties but type %v", p, typ)
			}
			templateLeaves(t, sub, p, out)
			continue
		}
		typ, _ := m["type"].(string)
		if typ == "" {
			t.Errorf("%s: leaf without an explicit type", p)
		}
		out[p] = typ
	}
}

func TestTemplatesMatchDocuments(t *testing.T) {
	kinds := Kinds()
	if !slices.Contains(kinds, KindAggregate) {
		t.Fatalf("Kinds() = %v, want it to contain aggregate", kinds)
	}
	for _, kind := range kinds {
		t.Run(string(kind), func(t *testing.T) {
			docType, ok := docTypes[kind]
			if !ok {
				t.Fatalf("templates/%s.json has no Go document type in docTypes (templates_test.go)", kind)
			}
			raw, err := Mappings(kind)
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]any
			if err := json.Unmarshal(raw, &m); err != nil {
				t.Fatal(err)
			}
			if m["dynamic"] != "strict" {
				t.Errorf(`mappings.dynamic = %v, want "strict"`, m["dynamic"])
			}
			props, _ := m["properties"].(map[string]any)
			tmpl := map[string]string{}
			templateLeaves(t, props, "", tmpl)
			doc := map[string]reflect.Type{}
			goLeaves(docType, "", doc)

			for _, p := range slices.Sorted(maps.Keys(doc)) {
				got, ok := tmpl[p]
				if !ok {
					t.Errorf("field %s (Go %s) is not in templates/%s.json", p, doc[p], kind)
					continue
				}
				if want := allowedTypes(p, doc[p]); !slices.Contains(want, got) {
					t.Errorf("field %s: template type %q, Go type %s wants one of %v", p, got, doc[p], want)
				}
			}
			for _, p := range slices.Sorted(maps.Keys(tmpl)) {
				if _, ok := doc[p]; !ok {
					t.Errorf("templates/%s.json declares %s, which %s does not have", kind, p, docType)
				}
			}
		})
	}
}

// TestAggregateLeafTypes pins the types the issue names, so a change to the
// reflection rules above cannot silently relax them.
func TestAggregateLeafTypes(t *testing.T) {
	raw, err := Mappings(KindAggregate)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	templateLeaves(t, m["properties"].(map[string]any), "", got)
	for path, want := range map[string]string{
		"@timestamp":              "date",
		"source.ip":               "ip",
		"source.geo.location":     "geo_point",
		"source.as.number":        "long",
		"message.count":           "long",
		"dmarc.pass":              "boolean",
		"report.id":               "keyword",
		"policy.pct":              "integer",
		"source.sender.name":      "keyword",
		"dmarc.verdict":           "keyword",
		"auth.dkim.selectors":     "keyword",
		"identifiers.header_from": "keyword",
	} {
		if got[path] != want {
			t.Errorf("%s: type %q, want %q", path, got[path], want)
		}
	}
}

func TestIndexTemplate(t *testing.T) {
	body, err := IndexTemplate("acme", KindAggregate, TemplateSettings{Shards: 2, Replicas: 0, RefreshInterval: "5s"})
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		IndexPatterns []string `json:"index_patterns"`
		Priority      int      `json:"priority"`
		Template      struct {
			Settings struct {
				Index map[string]any `json:"index"`
			} `json:"settings"`
			Mappings map[string]any `json:"mappings"`
		} `json:"template"`
		Meta map[string]any `json:"_meta"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.IndexPatterns, []string{"acme-aggregate-*"}) {
		t.Errorf("index_patterns = %v", got.IndexPatterns)
	}
	if got.Priority != 200 {
		t.Errorf("priority = %d, want 200", got.Priority)
	}
	want := map[string]any{"number_of_shards": 2.0, "number_of_replicas": 0.0, "refresh_interval": "5s"}
	if !reflect.DeepEqual(got.Template.Settings.Index, want) {
		t.Errorf("settings.index = %v, want %v", got.Template.Settings.Index, want)
	}
	if got.Template.Mappings["dynamic"] != "strict" {
		t.Errorf("mappings not carried over: %v", got.Template.Mappings["dynamic"])
	}
	if got.Meta["managed_by"] != "dmarc-agent" {
		t.Errorf("_meta = %v", got.Meta)
	}
	if TemplateName("acme", KindSMTPTLS) != "acme-smtp-tls" || TemplateName("", KindAggregate) != "dmarc-aggregate" {
		t.Errorf("TemplateName: %q %q", TemplateName("acme", KindSMTPTLS), TemplateName("", KindAggregate))
	}
}

func TestIndexTemplateErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		kind Kind
		s    TemplateSettings
		want string
	}{
		{"unknown kind", Kind("nope"), TemplateSettings{Shards: 1}, `no index template for kind "nope"`},
		{"zero shards", KindAggregate, TemplateSettings{}, "shards must be positive"},
		{"negative replicas", KindAggregate, TemplateSettings{Shards: 1, Replicas: -1}, "replicas must not be negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := IndexTemplate("dmarc", tc.kind, tc.s)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestRetentionPolicy(t *testing.T) {
	body, err := RetentionPolicy("dmarc", 400, []Kind{KindAggregate, KindSMTPTLS})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"policy":{"default_state":"keep","description":"dmarc-agent retention: delete report indices once they are older than the configured age",` +
		`"ism_template":[{"index_patterns":["dmarc-aggregate-*","dmarc-smtp-tls-*"],"priority":100}],` +
		`"states":[{"actions":[],"name":"keep","transitions":[{"conditions":{"min_index_age":"400d"},"state_name":"delete"}]},` +
		`{"actions":[{"delete":{}}],"name":"delete","transitions":[]}]}}`
	if string(body) != want {
		t.Errorf("policy =\n%s\nwant\n%s", body, want)
	}
	if PolicyID("acme") != "acme-retention" {
		t.Errorf("PolicyID = %q", PolicyID("acme"))
	}
	if _, err := RetentionPolicy("dmarc", 0, Kinds()); err == nil {
		t.Error("days 0: no error")
	}
}
