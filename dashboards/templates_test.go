package dashboards

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/dmarc-agent/dmarc-agent/dashboards/internal/spec"
	"github.com/dmarc-agent/dmarc-agent/mapping"
)

var kinds = []mapping.Kind{mapping.KindAggregate, mapping.KindFailure, mapping.KindSMTPTLS}

// templateMappings returns the mappings object of kind's index template.
func templateMappings(t testing.TB, kind mapping.Kind) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "mapping", "templates", string(kind)+".json"))
	if err != nil {
		t.Fatalf("index template of %s: %v", kind, err)
	}
	var f struct {
		Mappings json.RawMessage `json:"mappings"`
	}
	if err := json.Unmarshal(raw, &f); err != nil || len(f.Mappings) == 0 {
		t.Fatalf("index template of %s: no mappings object (%v)", kind, err)
	}
	return f.Mappings
}

// templateFields returns, per kind, every field of its index template with
// its mapping type.
func templateFields(t testing.TB) map[mapping.Kind]map[string]string {
	t.Helper()
	out := map[mapping.Kind]map[string]string{}
	for _, k := range kinds {
		f, err := spec.MappingFields(templateMappings(t, k))
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		out[k] = f
	}
	return out
}
