package spec

// Series is one metric drawn by an XY chart.
type Series struct{ AggID, Label string }

// xyParams returns the params of a line, area, histogram or horizontal_bar
// chart. percentage stacks every x bucket to 100 %.
func xyParams(chart, axisTitle string, percentage bool, series ...Series) map[string]any {
	catPos, valPos, valName := "bottom", "left", "LeftAxis-1"
	if chart == "horizontal_bar" {
		catPos, valPos, valName = "left", "bottom", "BottomAxis-1"
	}
	mode := "normal"
	if percentage {
		mode = "percentage"
	}
	drawn := map[string]string{"line": "line", "area": "area"}[chart]
	if drawn == "" {
		drawn = "histogram"
	}
	sp := make([]any, 0, len(series))
	for _, s := range series {
		sp = append(sp, map[string]any{
			"show": true, "type": drawn, "mode": "stacked",
			"data":      map[string]any{"label": s.Label, "id": s.AggID},
			"valueAxis": "ValueAxis-1", "drawLinesBetweenPoints": true, "lineWidth": 2,
			"interpolate": "linear", "showCircles": true,
		})
	}
	return map[string]any{
		"type": chart,
		"grid": map[string]any{"categoryLines": false},
		"categoryAxes": []any{map[string]any{
			"id": "CategoryAxis-1", "type": "category", "position": catPos, "show": true, "style": map[string]any{},
			"scale":  map[string]any{"type": "linear"},
			"labels": map[string]any{"show": true, "filter": true, "truncate": 100}, "title": map[string]any{},
		}},
		"valueAxes": []any{map[string]any{
			"id": "ValueAxis-1", "name": valName, "type": "value", "position": valPos, "show": true, "style": map[string]any{},
			"scale":  map[string]any{"type": "linear", "mode": mode},
			"labels": map[string]any{"show": true, "rotate": 0, "filter": false, "truncate": 100},
			"title":  map[string]any{"text": axisTitle},
		}},
		"seriesParams":   sp,
		"addTooltip":     true,
		"addLegend":      true,
		"legendPosition": "right",
		"times":          []any{},
		"addTimeMarker":  false,
		"labels":         map[string]any{"show": false},
		"thresholdLine":  map[string]any{"show": false, "value": 10, "width": 1, "style": "full", "color": "#E7664C"},
	}
}

func pieParams() map[string]any {
	return map[string]any{
		"type": "pie", "addTooltip": true, "addLegend": true, "legendPosition": "right", "isDonut": true,
		"labels": map[string]any{"show": true, "values": true, "last_level": true, "truncate": 100},
	}
}

// tableParams: total sums the metric columns (off for tables of text values).
func tableParams(total bool) map[string]any {
	return map[string]any{
		"perPage": 10, "showPartialRows": false, "showMetricsAtAllLevels": false,
		"showTotal": total, "totalFunc": "sum", "percentageCol": "",
		"sort": map[string]any{"columnIndex": nil, "direction": nil},
	}
}

func metricParams() map[string]any {
	return map[string]any{
		"type": "metric", "addTooltip": true, "addLegend": false,
		"metric": map[string]any{
			"percentageMode": false, "useRanges": false, "colorSchema": "Green to Red",
			"metricColorMode": "None", "colorsRange": []any{map[string]any{"from": 0, "to": 10000}},
			"labels": map[string]any{"show": true}, "invertColors": false,
			"style": map[string]any{"bgFill": "#000", "bgColor": false, "labelColor": false, "subText": "", "fontSize": 36},
		},
	}
}

func markdownParams(text string) map[string]any {
	return map[string]any{"fontSize": 12, "openLinksInNewTab": true, "markdown": text}
}

func tileMapParams() map[string]any {
	return map[string]any{
		"colorSchema": "Yellow to Red", "mapType": "Scaled Circle Markers", "isDesaturated": true,
		"addTooltip": true, "heatClusterSize": 1.5, "legendPosition": "bottomright",
		"mapZoom": 2, "mapCenter": []any{20, 0},
		"wms": map[string]any{"enabled": false, "options": map[string]any{"format": "image/png", "transparent": true}},
	}
}
