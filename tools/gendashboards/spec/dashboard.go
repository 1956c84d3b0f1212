package spec

import (
	"strconv"

	"github.com/dmarc-agent/dmarc-agent/mapping"
)

// Dashboard is one dashboard and the panels it shows, laid out left to
// right in rows of the 48-column grid.
type Dashboard struct {
	ID          string
	File        string // ndjson file name stem
	Title       string
	Description string
	Panels      []Panel
}

// Panel places a visualisation or a saved search on a dashboard.
type Panel struct {
	Vis    *Vis
	Search *Search
	W, H   int
}

// Search is a saved search (a document list).
type Search struct {
	ID, Title, Description string
	Kind                   mapping.Kind
	Columns                []string
	Query                  string
}

func (s Search) object() (Object, error) {
	ss, err := jsonString(map[string]any{
		"query": map[string]any{"query": s.Query, "language": "lucene"}, "filter": []any{},
		"highlightAll": true, "version": true, "indexRefName": SearchSourceRef,
	})
	if err != nil {
		return Object{}, err
	}
	return Object{
		Type: "search", ID: s.ID,
		Attributes: map[string]any{
			"title": s.Title, "description": s.Description, "hits": 0, "version": 1,
			"columns": s.Columns, "sort": []any{[]any{"@timestamp", "desc"}},
			"kibanaSavedObjectMeta": map[string]any{"searchSourceJSON": ss},
		},
		MigrationVersion: map[string]string{"search": searchVersion},
		References:       []Reference{{ID: IndexPatternID(s.Kind), Name: SearchSourceRef, Type: "index-pattern"}},
	}, nil
}

// objects returns the dashboard's panels' objects followed by the dashboard.
func (d Dashboard) objects() ([]Object, error) {
	var objs []Object
	var panels []any
	refs := []Reference{}
	x, y, rowH := 0, 0, 0
	for i, p := range d.Panels {
		if x+p.W > 48 {
			x, y, rowH = 0, y+rowH, 0
		}
		var o Object
		var err error
		if p.Vis != nil {
			o, err = p.Vis.object()
		} else {
			o, err = p.Search.object()
		}
		if err != nil {
			return nil, err
		}
		objs = append(objs, o)
		idx := strconv.Itoa(i + 1)
		ref := "panel_" + strconv.Itoa(i)
		panels = append(panels, map[string]any{
			"version":          panelVersion,
			"gridData":         map[string]any{"x": x, "y": y, "w": p.W, "h": p.H, "i": idx},
			"panelIndex":       idx,
			"embeddableConfig": map[string]any{},
			"panelRefName":     ref,
		})
		refs = append(refs, Reference{ID: o.ID, Name: ref, Type: o.Type})
		x += p.W
		rowH = max(rowH, p.H)
	}
	pj, err := jsonString(panels)
	if err != nil {
		return nil, err
	}
	opts, _ := jsonString(map[string]any{"hidePanelTitles": false, "useMargins": true})
	ss, _ := jsonString(map[string]any{"query": map[string]any{"query": "", "language": "kuery"}, "filter": []any{}})
	objs = append(objs, Object{
		Type: "dashboard", ID: d.ID,
		Attributes: map[string]any{
			"title": d.Title, "description": d.Description, "hits": 0, "version": 1,
			"panelsJSON": pj, "optionsJSON": opts,
			// Reports arrive daily: open on the last 30 days, not the last 15 minutes.
			"timeRestore": true, "timeFrom": "now-30d", "timeTo": "now",
			"refreshInterval":       map[string]any{"pause": true, "value": 0},
			"kibanaSavedObjectMeta": map[string]any{"searchSourceJSON": ss},
		},
		MigrationVersion: map[string]string{"dashboard": dashboardVersion},
		References:       refs,
	})
	return objs, nil
}
