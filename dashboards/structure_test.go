package dashboards

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/dmarc-agent/dmarc-agent/enrich/geoip"
	"github.com/dmarc-agent/dmarc-agent/mapping"
)

var wantMigration = map[string]string{
	"visualization": "7.10.0", "dashboard": "7.9.3", "index-pattern": "7.6.0", "search": "7.9.3",
}

// The dashboards users open by id; their ids must never change.
var wantDashboards = map[string]string{
	"dmarc-agent-overview":         "DMARC overview",
	"dmarc-agent-sources":          "Sources",
	"dmarc-agent-policy-readiness": "Policy readiness",
	"dmarc-agent-authentication":   "Authentication details",
	"dmarc-agent-failure":          "Failure reports",
	"dmarc-agent-smtp-tls":         "SMTP TLS",
}

// TestSavedObjectsStructure parses every saved object of the bundle and
// resolves every reference: panel_N names against panelsJSON, indexRefName
// against the references, and every reference against the bundle.
func TestSavedObjectsStructure(t *testing.T) {
	objs := bundleObjects(t, "mail")
	byKey := map[string]savedObject{}
	for _, o := range objs {
		if _, dup := byKey[o.key()]; dup {
			t.Errorf("%s: duplicate id", o.key())
		}
		byKey[o.key()] = o
	}
	used := map[string]bool{}
	for _, o := range objs {
		if want, ok := wantMigration[o.Type]; !ok || o.MigrationVersion[o.Type] != want || len(o.MigrationVersion) != 1 {
			t.Errorf("%s: migrationVersion %v, want {%q: %q}", o.key(), o.MigrationVersion, o.Type, want)
		}
		if o.str("title") == "" {
			t.Errorf("%s: no title", o.key())
		}
		for _, r := range o.References {
			if _, ok := byKey[r.Type+"/"+r.ID]; !ok {
				t.Errorf("%s: reference %s points to %s/%s, which is not in the bundle", o.key(), r.Name, r.Type, r.ID)
			}
			used[r.Type+"/"+r.ID] = true
		}
		var err error
		switch o.Type {
		case "index-pattern":
			err = checkIndexPattern(o)
		case "visualization":
			err = checkVisualization(o)
		case "search":
			err = checkSearch(o)
		case "dashboard":
			err = checkDashboard(o, byKey)
		}
		if err != nil {
			t.Errorf("%s: %v", o.key(), err)
		}
	}
	for _, o := range objs {
		if o.Type != "dashboard" && !used[o.key()] {
			t.Errorf("%s is not used by any dashboard or visualisation", o.key())
		}
	}
	for id, title := range wantDashboards {
		if o, ok := byKey["dashboard/"+id]; !ok || o.str("title") != title {
			t.Errorf("dashboard %s titled %q is missing", id, title)
		}
	}
	for _, k := range kinds {
		id := "index-pattern/mail-" + k.IndexKind()
		if o, ok := byKey[id]; !ok || o.str("title") != mapping.IndexPattern("mail", k) {
			t.Errorf("%s with title %s is missing", id, mapping.IndexPattern("mail", k))
		}
	}
}

func checkIndexPattern(o savedObject) error {
	var fields []struct {
		Name, Type                                  string
		Searchable, Aggregatable, ReadFromDocValues *bool
	}
	if err := json.Unmarshal([]byte(o.str("fields")), &fields); err != nil {
		return fmt.Errorf("fields: %w", err)
	}
	timeField := false
	for _, f := range fields {
		// Without these three flags Dashboards discards the list and refetches it.
		if f.Searchable == nil || f.Aggregatable == nil || f.ReadFromDocValues == nil {
			return fmt.Errorf("field %s lacks searchable/aggregatable/readFromDocValues", f.Name)
		}
		if f.Name == o.str("timeFieldName") && f.Type == "date" {
			timeField = true
		}
	}
	if o.str("timeFieldName") != "@timestamp" || !timeField {
		return fmt.Errorf("time field %q is not a date field of the pattern", o.str("timeFieldName"))
	}
	if len(o.References) != 0 {
		return fmt.Errorf("unexpected references %v", o.References)
	}
	return nil
}

// checkSourceRef checks that the search source names its index pattern only
// through indexRefName, and that the reference exists.
func checkSourceRef(o savedObject, s searchSource) error {
	if s.Index != "" {
		return fmt.Errorf("searchSourceJSON has an inline index %q; use indexRefName", s.Index)
	}
	if s.IndexRefName != "kibanaSavedObjectMeta.searchSourceJSON.index" {
		return fmt.Errorf("indexRefName is %q", s.IndexRefName)
	}
	for _, r := range o.References {
		if r.Name == s.IndexRefName && r.Type == "index-pattern" && len(o.References) == 1 {
			return nil
		}
	}
	return fmt.Errorf("references %v do not resolve indexRefName", o.References)
}

func checkVisualization(o savedObject) error {
	v, err := o.visState()
	if err != nil {
		return err
	}
	if v.Title != o.str("title") {
		return fmt.Errorf("visState title %q differs from title %q", v.Title, o.str("title"))
	}
	var ui map[string]any
	if err := json.Unmarshal([]byte(o.str("uiStateJSON")), &ui); err != nil {
		return fmt.Errorf("uiStateJSON: %w", err)
	}
	s, err := o.searchSource()
	if err != nil {
		return err
	}
	if v.Type == "markdown" {
		if len(v.Aggs) != 0 || len(o.References) != 0 || s.IndexRefName != "" || v.Params["markdown"] == "" {
			return fmt.Errorf("markdown panel with aggs, references or no text")
		}
		return nil
	}
	if err := checkSourceRef(o, s); err != nil {
		return err
	}
	if len(v.Aggs) == 0 {
		return fmt.Errorf("no aggregations")
	}
	ids := map[string]bool{}
	for _, a := range v.Aggs {
		if ids[a.ID] || !a.Enabled {
			return fmt.Errorf("agg %s duplicated or disabled", a.ID)
		}
		ids[a.ID] = true
	}
	for _, a := range v.Aggs {
		if ob := a.param("orderBy"); a.Type == "terms" && ob != "_key" && !ids[ob] {
			return fmt.Errorf("terms on %s orders by agg %q, which does not exist", a.param("field"), ob)
		}
	}
	return nil
}

func checkSearch(o savedObject) error {
	s, err := o.searchSource()
	if err != nil {
		return err
	}
	if cols, _ := o.Attributes["columns"].([]any); len(cols) == 0 {
		return fmt.Errorf("no columns")
	}
	return checkSourceRef(o, s)
}

func checkDashboard(o savedObject, byKey map[string]savedObject) error {
	if _, err := o.searchSource(); err != nil {
		return err
	}
	var opts map[string]any
	if err := json.Unmarshal([]byte(o.str("optionsJSON")), &opts); err != nil {
		return fmt.Errorf("optionsJSON: %w", err)
	}
	var panels []panel
	if err := strictJSON(o.str("panelsJSON"), &panels); err != nil {
		return fmt.Errorf("panelsJSON: %w", err)
	}
	if len(panels) == 0 || len(panels) != len(o.References) {
		return fmt.Errorf("%d panels but %d references", len(panels), len(o.References))
	}
	refs := map[string]reference{}
	for _, r := range o.References {
		if !strings.HasPrefix(r.Name, "panel_") {
			return fmt.Errorf("reference %q is not a panel_N reference", r.Name)
		}
		refs[r.Name] = r
	}
	var cells = map[[2]int]string{}
	for i, p := range panels {
		want := fmt.Sprintf("panel_%d", i)
		r, ok := refs[p.PanelRefName]
		if p.PanelRefName != want || !ok {
			return fmt.Errorf("panel %d: panelRefName %q, want %q with a reference", i, p.PanelRefName, want)
		}
		if r.Type != "visualization" && r.Type != "search" {
			return fmt.Errorf("panel %d refers to a %s", i, r.Type)
		}
		if p.PanelIndex == "" || p.PanelIndex != p.GridData.I || p.Version == "" {
			return fmt.Errorf("panel %d: panelIndex %q, gridData.i %q, version %q", i, p.PanelIndex, p.GridData.I, p.Version)
		}
		g := p.GridData
		if g.X < 0 || g.W <= 0 || g.H <= 0 || g.X+g.W > 48 {
			return fmt.Errorf("panel %d: gridData %+v outside the 48-column grid", i, g)
		}
		for x := g.X; x < g.X+g.W; x++ {
			for y := g.Y; y < g.Y+g.H; y++ {
				if prev, ok := cells[[2]int{x, y}]; ok {
					return fmt.Errorf("panel %d overlaps panel %s", i, prev)
				}
				cells[[2]int{x, y}] = p.PanelIndex
			}
		}
	}
	return nil
}

// TestStructureChecksCatchBreakage breaks saved objects the ways hand edits
// do and expects the structure checks to notice each.
func TestStructureChecksCatchBreakage(t *testing.T) {
	objs := bundleObjects(t, "dmarc")
	byKey := map[string]savedObject{}
	for _, o := range objs {
		byKey[o.key()] = o
	}
	clone := func(key string) savedObject {
		o := byKey[key]
		attrs := map[string]any{}
		for k, v := range o.Attributes {
			attrs[k] = v
		}
		o.Attributes = attrs
		o.References = append([]reference(nil), o.References...)
		return o
	}
	for name, tc := range map[string]struct {
		obj   savedObject
		check func(savedObject) error
	}{
		"panel ref renamed": {func() savedObject {
			o := clone("dashboard/dmarc-agent-overview")
			o.Attributes["panelsJSON"] = strings.Replace(o.str("panelsJSON"), `"panel_1"`, `"panel_9"`, 1)
			return o
		}(), func(o savedObject) error { return checkDashboard(o, byKey) }},
		"panel reference dropped": {func() savedObject {
			o := clone("dashboard/dmarc-agent-overview")
			o.References = o.References[1:]
			return o
		}(), func(o savedObject) error { return checkDashboard(o, byKey) }},
		"panels overlap": {func() savedObject {
			o := clone("dashboard/dmarc-agent-overview")
			o.Attributes["panelsJSON"] = strings.Replace(o.str("panelsJSON"), `"x":16,"y":0`, `"x":8,"y":0`, 1)
			return o
		}(), func(o savedObject) error { return checkDashboard(o, byKey) }},
		"index reference dropped": {func() savedObject {
			o := clone("visualization/dmarc-agent-pass-rate")
			o.References = nil
			return o
		}(), checkVisualization},
		"inline index": {func() savedObject {
			o := clone("visualization/dmarc-agent-pass-rate")
			meta := map[string]any{"searchSourceJSON": `{"index":"dmarc-aggregate","query":{"query":"","language":"lucene"},"filter":[]}`}
			o.Attributes["kibanaSavedObjectMeta"] = meta
			return o
		}(), checkVisualization},
		"visState not JSON": {func() savedObject {
			o := clone("visualization/dmarc-agent-pass-rate")
			o.Attributes["visState"] = o.str("visState")[1:]
			return o
		}(), checkVisualization},
		"orderBy unknown agg": {func() savedObject {
			o := clone("visualization/dmarc-agent-top-reporters")
			o.Attributes["visState"] = strings.Replace(o.str("visState"), `"orderBy":"1"`, `"orderBy":"7"`, 1)
			return o
		}(), checkVisualization},
		"field list refetched": {func() savedObject {
			o := clone("index-pattern/dmarc-aggregate")
			o.Attributes["fields"] = strings.Replace(o.str("fields"), `,"readFromDocValues":true`, ``, 1)
			return o
		}(), checkIndexPattern},
	} {
		if err := tc.check(tc.obj); err == nil {
			t.Errorf("%s: not detected", name)
		}
	}
}

// TestIPDataCredit checks that every dashboard showing IP data carries the
// attribution the DB-IP licence asks for.
func TestIPDataCredit(t *testing.T) {
	objs := bundleObjects(t, "dmarc")
	credit := ""
	for _, o := range objs {
		if o.key() == "visualization/dmarc-agent-ip-data-credit" {
			v, _ := o.visState()
			credit, _ = v.Params["markdown"].(string)
		}
	}
	if !strings.Contains(credit, geoip.Attribution) || !strings.Contains(credit, "CC BY 4.0") {
		t.Fatalf("credit panel %q lacks %q and the licence", credit, geoip.Attribution)
	}
	for _, id := range []string{"dmarc-agent-overview", "dmarc-agent-sources", "dmarc-agent-failure"} {
		found := false
		for _, o := range objs {
			if o.key() == "dashboard/"+id {
				for _, r := range o.References {
					found = found || r.ID == "dmarc-agent-ip-data-credit"
				}
			}
		}
		if !found {
			t.Errorf("dashboard %s shows IP data without the credit panel", id)
		}
	}
}
