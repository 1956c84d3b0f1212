// Package render writes the owner's report as text (terminal), one
// self-contained HTML file, or JSON.
package render

import (
	"fmt"
	"io"
	"strings"

	"github.com/dmarc-agent/dmarc-agent/insight"
	"github.com/dmarc-agent/dmarc-agent/insight/i18n"
)

// TextWidth is the widest line of the text report.
const TextWidth = 100

// TextOptions tunes the text report.
type TextOptions struct {
	// Color adds ANSI colours (only for a terminal).
	Color bool
}

type textWriter struct {
	b   strings.Builder
	p   *i18n.Printer
	opt TextOptions
}

// Text writes the report for a terminal or a plain text file.
func Text(w io.Writer, r *insight.Report, p *i18n.Printer, opt TextOptions) error {
	t := &textWriter{p: p, opt: opt}
	t.header(r)
	for i := range r.Domains {
		t.domain(&r.Domains[i])
	}
	t.failure(r.Failure)
	t.tls(r.SMTPTLS)
	t.quality(r)
	t.line("")
	t.line(p.T("label.ipdata") + ": " + r.Attribution)
	_, err := io.WriteString(w, t.b.String())
	return err
}

func (t *textWriter) line(s string) {
	t.b.WriteString(strings.TrimRight(s, " "))
	t.b.WriteByte('\n')
}

// para writes s wrapped to the report width after a hanging indent.
func (t *textWriter) para(indent, s string) {
	for i, l := range wrap(s, TextWidth-cells(indent)) {
		if i > 0 {
			indent = strings.Repeat(" ", cells(indent))
		}
		t.line(indent + l)
	}
}

func (t *textWriter) color(code, s string) string {
	if !t.opt.Color {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

func (t *textWriter) heading(s string) {
	t.line("")
	t.line(t.color("1", s))
	t.line(strings.Repeat("─", min(TextWidth, max(cells(s), 20))))
}

func (t *textWriter) header(r *insight.Report) {
	p := t.p
	var msgs int64
	for _, d := range r.Domains {
		msgs += d.Messages
	}
	title := p.T("title")
	t.line(t.color("1", title) + " · " + p.T("report.overview", p.Span(r.Period.Begin, r.Period.End), len(r.Domains), p.Num(msgs)))
	t.line(p.T("subtitle"))
	if len(r.Domains) == 0 {
		t.line("")
		t.line(p.T("report.nodata"))
	}
}

func verdictColor(v string) string {
	switch v {
	case "aligned", insight.Enforced, insight.ReadyForReject, insight.ReadyForQuarantine:
		return "32"
	case "forwarded":
		return "36"
	case "misconfigured":
		return "33"
	}
	return "31"
}

func (t *textWriter) field(label, value string) {
	t.para(pad(label, 20)+" ", value)
}

func (t *textWriter) domain(d *insight.Domain) {
	p := t.p
	t.line("")
	t.line(t.color("1;7", " "+d.Domain+" "))
	t.field(p.T("label.period"), p.Span(d.Period.Begin, d.Period.End)+" ("+p.T("label.days", d.Readiness.DaysOfData)+")")
	t.field(p.T("label.receivers"), strings.Join(d.Receivers, ", "))
	t.field(p.T("label.messages"), p.Num(d.Messages)+"   "+p.T("label.passrate")+" "+p.Pct(d.PassRate))
	t.field(p.T("label.policy"), PolicyString(d.Policy))
	rd := d.Readiness
	t.field(p.T("label.readiness"), t.color(verdictColor(rd.Verdict), "["+p.T("readiness.v."+rd.Verdict)+"]")+" "+rd.Reason)
	if len(rd.Blockers) > 0 {
		t.field(p.T("label.blockers"), strings.Join(rd.Blockers, ", "))
	}
	t.senders(d)
	t.spoofing(d)
	t.trend(d)
}

// PolicyString shows a published policy as its DMARC record tags.
func PolicyString(pol insight.Policy) string {
	parts := []string{"p=" + orDash(pol.P)}
	if pol.SP != "" {
		parts = append(parts, "sp="+pol.SP)
	}
	if pol.NP != "" {
		parts = append(parts, "np="+pol.NP)
	}
	if pol.Pct != nil {
		parts = append(parts, fmt.Sprintf("pct=%d", *pol.Pct))
	}
	if pol.Testing != "" {
		parts = append(parts, "t="+pol.Testing)
	}
	return strings.Join(parts, " ")
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
