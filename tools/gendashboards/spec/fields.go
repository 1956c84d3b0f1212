package spec

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/dmarc-agent/dmarc-agent/mapping"
)

// Field is one entry of an index pattern's field list, in the form Dashboards
// stores after a field refresh. Every entry carries searchable, aggregatable
// and readFromDocValues, so Dashboards uses the list as is.
type Field struct {
	Count             int      `json:"count"`
	Name              string   `json:"name"`
	Type              string   `json:"type"`
	ESTypes           []string `json:"esTypes"`
	Scripted          bool     `json:"scripted"`
	Searchable        bool     `json:"searchable"`
	Aggregatable      bool     `json:"aggregatable"`
	ReadFromDocValues bool     `json:"readFromDocValues"`
}

// MappingFields reads an index mappings object ({"properties": ...}, as in
// the index templates) and returns every leaf field with its mapping type,
// by dotted path. Multi-fields appear as path.subfield.
func MappingFields(mappings []byte) (map[string]string, error) {
	var m struct {
		Properties map[string]json.RawMessage `json:"properties"`
	}
	if err := json.Unmarshal(mappings, &m); err != nil {
		return nil, fmt.Errorf("parsing index mappings: %w", err)
	}
	if len(m.Properties) == 0 {
		return nil, fmt.Errorf("index mappings have no properties")
	}
	out := map[string]string{}
	if err := walkProperties("", m.Properties, out); err != nil {
		return nil, err
	}
	return out, nil
}

func walkProperties(prefix string, props map[string]json.RawMessage, out map[string]string) error {
	for name, raw := range props {
		var p struct {
			Type       string                     `json:"type"`
			Properties map[string]json.RawMessage `json:"properties"`
			Fields     map[string]struct {
				Type string `json:"type"`
			} `json:"fields"`
		}
		if err := json.Unmarshal(raw, &p); err != nil {
			return fmt.Errorf("parsing mapping of %s%s: %w", prefix, name, err)
		}
		path := prefix + name
		if p.Properties != nil {
			if err := walkProperties(path+".", p.Properties, out); err != nil {
				return err
			}
			if p.Type == "nested" {
				out[path] = "nested"
			}
			continue
		}
		out[path] = p.Type
		for sub, f := range p.Fields {
			out[path+"."+sub] = f.Type
		}
	}
	return nil
}

// dashboardsType maps an OpenSearch field type to the Dashboards field type.
func dashboardsType(es string) string {
	switch es {
	case "keyword", "text", "match_only_text", "wildcard", "constant_keyword":
		return "string"
	case "long", "integer", "short", "byte", "double", "float", "half_float", "scaled_float", "unsigned_long":
		return "number"
	case "date", "date_nanos":
		return "date"
	case "boolean", "ip", "geo_point", "geo_shape", "nested":
		return es
	default:
		return "unknown"
	}
}

// Aggregatable reports whether Dashboards can aggregate on a field of this
// OpenSearch type (doc values on by default).
func Aggregatable(es string) bool {
	switch dashboardsType(es) {
	case "string":
		return es != "text" && es != "match_only_text"
	case "number", "date", "boolean", "ip", "geo_point":
		return true
	}
	return false
}

// PatternFields turns template fields into an index pattern's field list,
// sorted by name, with the meta fields Dashboards adds itself.
func PatternFields(types map[string]string) []Field {
	fields := []Field{
		{Name: "_id", Type: "string", ESTypes: []string{"_id"}, Searchable: true, Aggregatable: true},
		{Name: "_index", Type: "string", ESTypes: []string{"_index"}, Searchable: true, Aggregatable: true},
		{Name: "_score", Type: "number"},
		{Name: "_source", Type: "_source", ESTypes: []string{"_source"}},
	}
	for name, es := range types {
		if es == "object" || es == "" {
			continue
		}
		agg := Aggregatable(es)
		fields = append(fields, Field{
			Name: name, Type: dashboardsType(es), ESTypes: []string{es},
			Searchable: true, Aggregatable: agg, ReadFromDocValues: agg,
		})
	}
	slices.SortFunc(fields, func(a, b Field) int { return strings.Compare(a.Name, b.Name) })
	return fields
}

func indexPattern(kind mapping.Kind, fields []Field) (Object, error) {
	if len(fields) == 0 {
		return Object{}, fmt.Errorf("index pattern %s: no fields (is its index template missing?)", kind)
	}
	fj, err := jsonString(fields)
	if err != nil {
		return Object{}, err
	}
	return Object{
		Type: "index-pattern",
		ID:   IndexPatternID(kind),
		Attributes: map[string]any{
			"title":         mapping.IndexPattern(Prefix, kind),
			"timeFieldName": "@timestamp",
			"fields":        fj,
		},
		MigrationVersion: map[string]string{"index-pattern": indexPatternVersion},
		References:       []Reference{},
	}, nil
}
