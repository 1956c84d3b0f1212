package mapping

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
	"strings"
)

// The index templates declare every field of every document kind: one file
// per kind, templates/<kind>.json, holding only {"mappings": {...}} with
// "dynamic": "strict", so a field the code adds without declaring it is
// rejected by the cluster instead of being guessed.
//
//go:embed templates/*.json
var templateFS embed.FS

// TemplateVersion is written into each template's _meta; bump it when a
// mapping changes so operators can see which version a cluster runs.
const TemplateVersion = 1

// TemplateSettings are the index settings written into the templates.
type TemplateSettings struct {
	Shards          int
	Replicas        int
	RefreshInterval string // e.g. "30s"; "" leaves the cluster default
	// Priority orders overlapping composable templates; 0 means 200.
	Priority int
	// LifecyclePolicy, when set, is the Elasticsearch ILM policy new
	// indices follow (index.lifecycle.name). Only for clusters with ILM:
	// others refuse the setting.
	LifecyclePolicy string
}

// Kinds returns the kinds that have a template, sorted.
func Kinds() []Kind {
	entries, err := fs.ReadDir(templateFS, "templates")
	if err != nil {
		panic("mapping: embedded templates missing: " + err.Error())
	}
	var kinds []Kind
	for _, e := range entries {
		if name, ok := strings.CutSuffix(e.Name(), ".json"); ok {
			kinds = append(kinds, Kind(name))
		}
	}
	slices.Sort(kinds)
	return kinds
}

// Mappings returns the "mappings" object of kind's template.
func Mappings(kind Kind) (json.RawMessage, error) {
	raw, err := templateFS.ReadFile("templates/" + string(kind) + ".json")
	if err != nil {
		return nil, fmt.Errorf("no index template for kind %q", kind)
	}
	var f struct {
		Mappings json.RawMessage `json:"mappings"`
	}
	if err := json.Unmarshal(raw, &f); err != nil || len(f.Mappings) == 0 {
		return nil, fmt.Errorf("reading template %s.json: no mappings object (%v)", kind, err)
	}
	return f.Mappings, nil
}

// TemplateName is the name of kind's composable index template.
func TemplateName(prefix string, kind Kind) string {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	return prefix + "-" + kind.IndexKind()
}

// IndexTemplate returns the body of `PUT _index_template/<TemplateName>` for
// kind: its index pattern, settings and mappings.
func IndexTemplate(prefix string, kind Kind, s TemplateSettings) ([]byte, error) {
	mappings, err := Mappings(kind)
	if err != nil {
		return nil, err
	}
	if s.Shards <= 0 {
		return nil, fmt.Errorf("index template %s: shards must be positive, got %d", kind, s.Shards)
	}
	if s.Replicas < 0 {
		return nil, fmt.Errorf("index template %s: replicas must not be negative, got %d", kind, s.Replicas)
	}
	prio := s.Priority
	if prio == 0 {
		prio = 200
	}
	index := map[string]any{
		"number_of_shards":   s.Shards,
		"number_of_replicas": s.Replicas,
	}
	if s.RefreshInterval != "" {
		index["refresh_interval"] = s.RefreshInterval
	}
	if s.LifecyclePolicy != "" {
		index["lifecycle"] = map[string]any{"name": s.LifecyclePolicy}
	}
	body := map[string]any{
		"index_patterns": []string{IndexPattern(prefix, kind)},
		"priority":       prio,
		"template": map[string]any{
			"settings": map[string]any{"index": index},
			"mappings": mappings,
		},
		"_meta": map[string]any{"managed_by": "dmarc-agent", "version": TemplateVersion},
	}
	return json.Marshal(body)
}
