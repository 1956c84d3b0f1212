package render

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/dmarc-agent/dmarc-agent/insight"
	"github.com/dmarc-agent/dmarc-agent/insight/i18n"
)

func (t *textWriter) senders(d *insight.Domain) {
	p := t.p
	t.heading(p.T("h.senders"))
	// 34 + 14 + 10 + 8 + 6 + 4 spaces + countries 24 = 100
	t.line(pad(p.T("col.sender"), 34) + " " + pad(p.T("col.verdict"), 14) + " " + padLeft(p.T("col.messages"), 10) + " " +
		padLeft(p.T("col.pass"), 8) + " " + padLeft(p.T("col.ips"), 6) + " " + p.T("col.countries"))
	for _, s := range d.Senders {
		v := pad(p.T("verdict."+s.Verdict), 14)
		t.line(pad(s.Name, 34) + " " + t.color(verdictColor(s.Verdict), v) + " " + padLeft(p.Num(s.Messages), 10) + " " +
			padLeft(p.Pct(s.PassRate), 8) + " " + padLeft(p.Num(int64(s.IPs)), 6) + " " + cut(strings.Join(s.Countries, " "), 23))
	}
	blank := true
	for _, s := range d.Senders {
		if len(s.Unreadable) > 0 {
			if blank {
				t.line("")
				blank = false
			}
			t.para("→ ", p.T("senders.unreadable", s.Name, p.T("verdict."+s.Verdict), QuoteAll(s.Unreadable)))
		}
	}
	for _, s := range d.Senders {
		if s.Fix != "" {
			t.line("")
			t.para("→ ", s.Name+" — "+p.T("label.fix")+": "+s.Fix)
		}
	}
}

func (t *textWriter) spoofing(d *insight.Domain) {
	p := t.p
	t.heading(p.T("h.spoofing"))
	if len(d.Spoofing) == 0 {
		t.line(p.T("spoofing.none"))
		return
	}
	// 24 + 28 + 7 + 10 + 27 + 4 spaces = 100
	t.line(pad(p.T("col.ip"), 24) + " " + pad(p.T("col.as"), 28) + " " + pad(p.T("col.country"), 7) + " " +
		padLeft(p.T("col.messages"), 10) + " " + p.T("col.disposition"))
	for _, s := range d.Spoofing {
		as := ""
		if s.ASN != 0 {
			as = fmt.Sprintf("AS%d %s", s.ASN, s.ASOrg)
		}
		t.line(pad(SourceLabel(p, s), 24) + " " + pad(as, 28) + " " + pad(orDash(s.Country), 7) + " " + padLeft(p.Num(s.Messages), 10) + " " +
			cut(Dispositions(p, s.Dispositions), 27))
		var extra []string
		if s.IP == "" && s.Address != "" {
			extra = append(extra, p.T("source.unreadable"))
		}
		if s.PTR != "" {
			extra = append(extra, p.T("col.ptr")+": "+s.PTR)
		}
		extra = append(extra, p.T("col.reporters")+": "+strings.Join(s.Reporters, ", "))
		t.para("    ", strings.Join(extra, "   "))
	}
	if d.SpoofingMore > 0 {
		t.line(p.T("spoofing.more", d.SpoofingMore))
	}
}

// SourceLabel names a spoofing source: its IP; else the source_ip text as
// written, in quotes; else that the records had no source_ip.
func SourceLabel(p *i18n.Printer, s insight.Spoof) string {
	switch {
	case s.IP != "":
		return s.IP
	case s.Address != "":
		return strconv.Quote(s.Address)
	}
	return p.T("source.missing")
}

// QuoteAll quotes each text and joins them.
func QuoteAll(vs []string) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = strconv.Quote(v)
	}
	return strings.Join(q, ", ")
}

// Dispositions lists what receivers applied, most messages first.
func Dispositions(p *i18n.Printer, m map[string]int64) string {
	var parts []string
	for _, k := range []string{"reject", "quarantine", "none"} {
		if n := m[k]; n > 0 {
			parts = append(parts, p.T("disp."+k)+" "+p.Num(n))
		}
	}
	for k, n := range m {
		if k != "reject" && k != "quarantine" && k != "none" {
			parts = append(parts, k+" "+p.Num(n))
		}
	}
	return strings.Join(parts, ", ")
}

var bars = []rune("▁▂▃▄▅▆▇█")

// Sparkline draws one character per value, scaled to the largest.
func Sparkline(vals []int64) string {
	var top int64
	for _, v := range vals {
		top = max(top, v)
	}
	var b strings.Builder
	for _, v := range vals {
		switch {
		case v == 0:
			b.WriteRune(' ')
		default:
			b.WriteRune(bars[min(len(bars)-1, int((v*int64(len(bars))-1)/max(top, 1)))])
		}
	}
	return b.String()
}

func (t *textWriter) trend(d *insight.Domain) {
	p := t.p
	t.heading(p.T("h.trend"))
	if len(d.Daily) == 0 {
		return
	}
	pass, fail := make([]int64, len(d.Daily)), make([]int64, len(d.Daily))
	for i, day := range d.Daily {
		pass[i], fail[i] = day.Pass, day.Fail
	}
	label := max(cells(p.T("trend.pass")), cells(p.T("trend.fail")))
	from, to := p.ShortDate(d.Daily[0].Date), p.ShortDate(d.Daily[len(d.Daily)-1].Date)
	span := TextWidth - label - 4
	for i := 0; i < len(d.Daily); i += span {
		j := min(len(d.Daily), i+span)
		t.line(pad(p.T("trend.pass"), label) + " │" + t.color("32", Sparkline(pass[i:j])) + "│")
		t.line(pad(p.T("trend.fail"), label) + " │" + t.color("31", Sparkline(fail[i:j])) + "│")
	}
	t.line(strings.Repeat(" ", label+2) + from + " … " + to)
	// The compact table: one row per day with mail.
	t.line(pad(p.T("col.date"), 12) + " " + padLeft(p.T("trend.pass"), 12) + " " + padLeft(p.T("trend.fail"), 12))
	for _, day := range d.Daily {
		if day.Pass+day.Fail == 0 {
			continue
		}
		t.line(pad(day.Date, 12) + " " + padLeft(p.Num(day.Pass), 12) + " " + padLeft(p.Num(day.Fail), 12))
	}
}

func (t *textWriter) failure(f insight.Failure) {
	p := t.p
	t.heading(p.T("h.failure"))
	if f.Reports == 0 {
		t.line(p.T("failure.none"))
		return
	}
	t.line(p.T("failure.count", f.Reports))
	t.counts(p.T("failure.sources"), f.TopSources)
	t.counts(p.T("failure.identities"), f.TopIdentities)
	t.counts(p.T("failure.types"), f.AuthFailures)
}

func (t *textWriter) counts(title string, cs []insight.Count) {
	if len(cs) == 0 {
		return
	}
	t.line("")
	t.line(title)
	for _, c := range cs {
		t.line("  " + padLeft(t.p.Num(c.Count), 8) + "  " + cut(strings.TrimSpace(c.Name+"  "+c.Detail), TextWidth-12))
	}
}

func (t *textWriter) tls(s insight.SMTPTLS) {
	p := t.p
	t.heading(p.T("h.tls"))
	if len(s.Domains) == 0 {
		t.line(p.T("tls.none"))
		return
	}
	for _, d := range s.Domains {
		t.line("")
		t.para("", d.Domain+" ("+p.T("col.policy")+": "+strings.Join(d.PolicyTypes, ", ")+"; "+p.T("col.reporters")+": "+
			strings.Join(d.Reporters, ", ")+")")
		t.para("  ", p.T("tls.summary", d.Successful, d.Failed, d.Reports))
		if len(d.Failures) == 0 {
			t.line("  " + p.T("tls.ok"))
		}
		for _, f := range d.Failures {
			t.para("  → ", f.Type+" ("+p.T("col.reports")+" "+p.Num(f.Reports)+"): "+f.Fix)
		}
	}
}

func (t *textWriter) quality(r *insight.Report) {
	p := t.p
	t.heading(p.T("h.quality"))
	if len(r.Rejected) == 0 && len(r.ReporterErrors) == 0 && len(r.Repairs) == 0 && len(r.RecordWarnings) == 0 {
		t.line(p.T("quality.none"))
		return
	}
	if len(r.Rejected) > 0 {
		t.line(p.T("quality.rejected", len(r.Rejected)))
		for _, x := range r.Rejected {
			t.para("  - ", x.Path+": "+x.Reason)
		}
	}
	if len(r.Repairs) > 0 {
		t.line(p.T("quality.repairs"))
		for _, x := range r.Repairs {
			t.para("  - ", p.T("quality.repair", x.Label(), x.Reports, Examples(x.Examples)))
		}
	}
	if len(r.RecordWarnings) > 0 {
		t.line(p.T("quality.warnings"))
		for _, x := range r.RecordWarnings {
			t.para("  - ", p.T("quality.warning", x.Warning, x.Records, x.Messages))
		}
	}
	if len(r.ReporterErrors) > 0 {
		t.line(p.T("quality.reporter-errors"))
		for _, e := range r.ReporterErrors {
			t.para("  - ", p.T("quality.reporter-error", e.Reporter, e.Error, e.Reports))
		}
	}
}

// Examples names reports by reporter and quoted report id.
func Examples(refs []insight.ReportRef) string {
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = r.Reporter + " " + strconv.Quote(r.ReportID)
	}
	return strings.Join(out, "; ")
}
