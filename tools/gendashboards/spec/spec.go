// Package spec defines dmarc-agent's OpenSearch Dashboards saved objects in Go
// and renders them as ndjson. It is used only to (re)generate the embedded
// files under dashboards/saved_objects (go generate ./dashboards, which runs
// tools/gendashboards); the binary embeds the generated files.
package spec

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/dmarc-agent/dmarc-agent/mapping"
)

// Prefix is the placeholder that dashboards.Bundle replaces with the
// configured index prefix. It appears in index-pattern ids and titles only.
const Prefix = "{{prefix}}"

// Migration versions known to OpenSearch Dashboards 2.x and 3.x.
const (
	visualizationVersion = "7.10.0"
	dashboardVersion     = "7.9.3"
	indexPatternVersion  = "7.6.0"
	searchVersion        = "7.9.3"
	// panelVersion is the version stamped on dashboard panels. It must not
	// look older than 7.3, or dashboards migrate the panels as 6.x panels.
	panelVersion = "7.10.2"
)

// SearchSourceRef is the reference name every visualisation and saved search
// uses for its index pattern.
const SearchSourceRef = "kibanaSavedObjectMeta.searchSourceJSON.index"

// IndexPatternID returns the saved-object id of a kind's index pattern.
func IndexPatternID(kind mapping.Kind) string { return Prefix + "-" + kind.IndexKind() }

// Object is one saved object as exported by OpenSearch Dashboards.
type Object struct {
	Attributes       any               `json:"attributes"`
	ID               string            `json:"id"`
	MigrationVersion map[string]string `json:"migrationVersion"`
	References       []Reference       `json:"references"`
	Type             string            `json:"type"`
}

// Reference links a saved object to another by id.
type Reference struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Type string `json:"type"`
}

// File is one ndjson file of the bundle.
type File struct {
	Name    string
	Objects []Object
}

// Files returns every file of the bundle. fields gives, per kind, the field
// list of its index pattern (built from the index templates).
func Files(fields map[mapping.Kind][]Field) ([]File, error) {
	var files []File
	var patterns []Object
	for _, k := range []mapping.Kind{mapping.KindAggregate, mapping.KindFailure, mapping.KindSMTPTLS} {
		o, err := indexPattern(k, fields[k])
		if err != nil {
			return nil, err
		}
		patterns = append(patterns, o)
	}
	files = append(files, File{Name: "00-index-patterns.ndjson", Objects: patterns})
	// A visualisation shown on several dashboards is written once, in the
	// file of the first dashboard that shows it.
	seen := map[string]string{}
	for i, d := range Dashboards() {
		objs, err := d.objects()
		if err != nil {
			return nil, fmt.Errorf("dashboard %s: %w", d.ID, err)
		}
		kept := objs[:0]
		for _, o := range objs {
			key := o.Type + "/" + o.ID
			b, err := marshal(o)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", key, err)
			}
			if prev, dup := seen[key]; dup {
				if prev != string(b) {
					return nil, fmt.Errorf("two different saved objects share the id %s", key)
				}
				continue
			}
			seen[key] = string(b)
			kept = append(kept, o)
		}
		files = append(files, File{Name: fmt.Sprintf("%02d-%s.ndjson", (i+1)*10, d.File), Objects: kept})
	}
	return files, nil
}

// Render writes objects as ndjson, one per line.
func Render(objs []Object) ([]byte, error) {
	var b bytes.Buffer
	for _, o := range objs {
		line, err := marshal(o)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", o.Type, o.ID, err)
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	return b.Bytes(), nil
}

// marshal encodes without HTML escaping, so '<' and '&' stay readable.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// jsonString encodes v and returns it as a string, for the JSON-in-JSON
// attributes (visState, panelsJSON, searchSourceJSON ...).
func jsonString(v any) (string, error) {
	b, err := marshal(v)
	return string(b), err
}
