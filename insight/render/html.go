package render

import (
	_ "embed"
	"html/template"
	"io"
	"strings"
	"time"

	"github.com/dmarc-agent/dmarc-agent/insight"
	"github.com/dmarc-agent/dmarc-agent/insight/i18n"
)

//go:embed report.html.tmpl
var htmlTemplate string

//go:embed report.css
var css string

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"examples":     Examples,
	"quoteall":     QuoteAll,
	"t":            func(p *i18n.Printer, key string, args ...any) string { return p.T(key, args...) },
	"num":          func(p *i18n.Printer, n int64) string { return p.Num(n) },
	"numi":         func(p *i18n.Printer, n int) string { return p.Num(int64(n)) },
	"pct":          func(p *i18n.Printer, r float64) string { return p.Pct(r) },
	"span":         func(p *i18n.Printer, a, b time.Time) string { return p.Span(a, b) },
	"join":         strings.Join,
	"policy":       PolicyString,
	"dispositions": Dispositions,
	"chart":        newChart,
	"counts": func(p *i18n.Printer, title string, cs []insight.Count) countsData {
		return countsData{P: p, Title: title, Counts: cs}
	},
	"sum": func(ds []insight.Domain) int64 {
		var n int64
		for _, d := range ds {
			n += d.Messages
		}
		return n
	},
}).Parse(htmlTemplate))

type countsData struct {
	P      *i18n.Printer
	Title  string
	Counts []insight.Count
}

type htmlData struct {
	R   *insight.Report
	P   *i18n.Printer
	CSS template.CSS
}

// HTML writes the report as one self-contained page: inline CSS and SVG,
// no script, no external request.
func HTML(w io.Writer, r *insight.Report, p *i18n.Printer) error {
	return page.Execute(w, htmlData{R: r, P: p, CSS: template.CSS(css)})
}
