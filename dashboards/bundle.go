// Package dashboards holds dmarc-agent's OpenSearch Dashboards saved objects
// (index patterns, visualisations, dashboards, embedded as ndjson) and the
// importer behind `dmarc-agent dashboards import`.
package dashboards

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"slices"

	"github.com/dmarc-agent/dmarc-agent/mapping"
)

// The files are generated from internal/spec:
//
//	go test ./dashboards -run TestSavedObjectsGolden -update
//
//go:embed saved_objects/*.ndjson
var savedObjects embed.FS

// placeholder stands for the index prefix in index-pattern ids and titles.
const placeholder = "{{prefix}}"

// Bundle returns every saved object as one ndjson document, with the index
// patterns named after prefix (<prefix>-aggregate-* ...). An empty prefix
// means mapping.DefaultPrefix.
func Bundle(prefix string) ([]byte, error) {
	if prefix == "" {
		prefix = mapping.DefaultPrefix
	}
	if !mapping.ValidPrefix(prefix) {
		return nil, fmt.Errorf("index prefix %q is not a valid index name prefix (lower-case letters, digits, - _ .)", prefix)
	}
	names, err := fs.Glob(savedObjects, "saved_objects/*.ndjson")
	if err != nil {
		return nil, fmt.Errorf("listing saved objects: %w", err)
	}
	slices.Sort(names)
	var b bytes.Buffer
	for _, n := range names {
		data, err := savedObjects.ReadFile(n)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", n, err)
		}
		b.Write(data)
	}
	// The prefix is restricted to characters that need no escaping in JSON,
	// even inside the JSON strings embedded in attributes.
	return bytes.ReplaceAll(b.Bytes(), []byte(placeholder), []byte(prefix)), nil
}
