package dashboards

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
)

// savedObject is one parsed line of the bundle.
type savedObject struct {
	Type             string            `json:"type"`
	ID               string            `json:"id"`
	Attributes       map[string]any    `json:"attributes"`
	References       []reference       `json:"references"`
	MigrationVersion map[string]string `json:"migrationVersion"`
}

type reference struct{ ID, Name, Type string }

func (o savedObject) key() string { return o.Type + "/" + o.ID }

func (o savedObject) str(attr string) string {
	s, _ := o.Attributes[attr].(string)
	return s
}

// searchSource parses kibanaSavedObjectMeta.searchSourceJSON.
func (o savedObject) searchSource() (searchSource, error) {
	meta, _ := o.Attributes["kibanaSavedObjectMeta"].(map[string]any)
	raw, ok := meta["searchSourceJSON"].(string)
	if !ok {
		return searchSource{}, fmt.Errorf("no kibanaSavedObjectMeta.searchSourceJSON")
	}
	var s searchSource
	if err := strictJSON(raw, &s); err != nil {
		return s, fmt.Errorf("searchSourceJSON: %w", err)
	}
	return s, nil
}

type searchSource struct {
	IndexRefName string `json:"indexRefName"`
	Index        string `json:"index"`
	Query        struct {
		Query    string `json:"query"`
		Language string `json:"language"`
	} `json:"query"`
	Filter       []any `json:"filter"`
	HighlightAll bool  `json:"highlightAll"`
	Version      bool  `json:"version"`
}

type visState struct {
	Title  string         `json:"title"`
	Type   string         `json:"type"`
	Params map[string]any `json:"params"`
	Aggs   []visAgg       `json:"aggs"`
}

type visAgg struct {
	ID      string         `json:"id"`
	Enabled bool           `json:"enabled"`
	Type    string         `json:"type"`
	Schema  string         `json:"schema"`
	Params  map[string]any `json:"params"`
}

func (a visAgg) param(name string) string {
	s, _ := a.Params[name].(string)
	return s
}

func (o savedObject) visState() (visState, error) {
	var v visState
	if err := strictJSON(o.str("visState"), &v); err != nil {
		return v, fmt.Errorf("visState: %w", err)
	}
	return v, nil
}

type panel struct {
	Version  string `json:"version"`
	GridData struct {
		X, Y, W, H int
		I          string `json:"i"`
	} `json:"gridData"`
	PanelIndex       string         `json:"panelIndex"`
	EmbeddableConfig map[string]any `json:"embeddableConfig"`
	PanelRefName     string         `json:"panelRefName"`
}

// strictJSON decodes s into v, rejecting unknown fields and trailing data.
func strictJSON(s string, v any) error {
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data after the JSON value")
	}
	return nil
}

// parseBundle parses every line of an ndjson bundle.
func parseBundle(t testing.TB, b []byte) []savedObject {
	t.Helper()
	var objs []savedObject
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		var o savedObject
		if err := strictJSON(sc.Text(), &o); err != nil {
			t.Fatalf("line %d: %v", n, err)
		}
		objs = append(objs, o)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return objs
}

// bundleObjects parses Bundle(prefix).
func bundleObjects(t testing.TB, prefix string) []savedObject {
	t.Helper()
	b, err := Bundle(prefix)
	if err != nil {
		t.Fatal(err)
	}
	return parseBundle(t, b)
}
