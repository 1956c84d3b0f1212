package dashboards

import (
	"slices"
	"testing"

	"github.com/dmarc-agent/dmarc-agent/mapping"
	"github.com/dmarc-agent/dmarc-agent/tools/gendashboards/spec"
)

var kinds = []mapping.Kind{mapping.KindAggregate, mapping.KindFailure, mapping.KindSMTPTLS}

// templateMappings returns the mappings object of kind's index template,
// through the loader the OpenSearch output installs them with.
func templateMappings(t testing.TB, kind mapping.Kind) []byte {
	t.Helper()
	m, err := mapping.Mappings(kind)
	if err != nil {
		t.Fatalf("index template of %s: %v", kind, err)
	}
	return m
}

// templateFields returns, per kind, every field of its index template with
// its mapping type.
func templateFields(t testing.TB) map[mapping.Kind]map[string]string {
	t.Helper()
	if got := mapping.Kinds(); !slices.Equal(got, []mapping.Kind{mapping.KindAggregate, mapping.KindFailure, mapping.KindSMTPTLS}) {
		t.Fatalf("index templates for %v; the dashboards have index patterns for aggregate, failure and smtp_tls", got)
	}
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
