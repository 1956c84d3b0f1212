package spec

import (
	"fmt"

	"github.com/dmarc-agent/dmarc-agent/mapping"
)

// Rendered is one generated ndjson file of dashboards/saved_objects.
type Rendered struct {
	Name string
	Data []byte
}

// Generate renders every file of the bundle, with the index-pattern field
// lists read from the embedded index templates of mapping.
func Generate() ([]Rendered, error) {
	fields := map[mapping.Kind][]Field{}
	for _, k := range []mapping.Kind{mapping.KindAggregate, mapping.KindFailure, mapping.KindSMTPTLS} {
		m, err := mapping.Mappings(k)
		if err != nil {
			return nil, fmt.Errorf("index template of %s: %w", k, err)
		}
		types, err := MappingFields(m)
		if err != nil {
			return nil, fmt.Errorf("index template of %s: %w", k, err)
		}
		fields[k] = PatternFields(types)
	}
	files, err := Files(fields)
	if err != nil {
		return nil, err
	}
	out := make([]Rendered, 0, len(files))
	for _, f := range files {
		b, err := Render(f.Objects)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Name, err)
		}
		out = append(out, Rendered{f.Name, b})
	}
	return out, nil
}
