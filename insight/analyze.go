package insight

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/dmarc-agent/dmarc-agent/enrich/geoip"
)

// Translator gives the localised text of a catalogue key.
type Translator interface {
	T(key string, args ...any) string
	Lang() string
}

// Analyze builds the report from facts. It reads facts only, so the same
// facts give the same report.
func Analyze(f *Facts, tr Translator) *Report {
	r := &Report{Lang: tr.Lang(), Rejected: f.Rejected, Attribution: geoip.Attribution,
		Domains: []Domain{}, SMTPTLS: SMTPTLS{Domains: []TLSDomain{}}}
	if r.Rejected == nil {
		r.Rejected = []Rejected{}
	}
	slices.SortFunc(r.Rejected, func(a, b Rejected) int {
		return cmp.Or(cmp.Compare(a.Path, b.Path), cmp.Compare(a.Reason, b.Reason))
	})
	byDomain := map[string]map[AggKey]int64{}
	for k, n := range f.Agg {
		if byDomain[k.Domain] == nil {
			byDomain[k.Domain] = map[AggKey]int64{}
		}
		byDomain[k.Domain][k] = n
	}
	var all Span
	for _, name := range slices.Sorted(maps.Keys(byDomain)) {
		d := analyzeDomain(name, byDomain[name], f, tr)
		r.Domains = append(r.Domains, d)
		all.add(Span{d.Period.Begin, d.Period.End})
	}
	slices.SortStableFunc(r.Domains, func(a, b Domain) int { return cmp.Compare(b.Messages, a.Messages) })
	r.Period = Period(all)
	r.ReporterErrors = reporterErrors(f)
	r.Repairs = repairs(f)
	r.RecordWarnings = recordWarnings(f)
	r.Failure = analyzeFailure(f)
	r.SMTPTLS = analyzeTLS(f, tr)
	return r
}

func analyzeDomain(name string, rows map[AggKey]int64, f *Facts, tr Translator) Domain {
	p := f.Periods[name]
	d := Domain{Domain: name, Period: Period(p), Receivers: []string{}, Spoofing: []Spoof{}}
	receivers := map[string]bool{}
	days := map[string]*Day{}
	for k, n := range rows {
		d.Messages += n
		if k.Pass {
			d.Passed += n
		}
		if k.Reporter != "" {
			receivers[k.Reporter] = true
		}
		day := days[k.Day]
		if day == nil {
			day = &Day{Date: k.Day}
			days[k.Day] = day
		}
		if k.Pass {
			day.Pass += n
		} else {
			day.Fail += n
		}
	}
	d.Receivers = slices.Sorted(maps.Keys(receivers))
	if d.Receivers == nil {
		d.Receivers = []string{}
	}
	d.PassRate = ratio(d.Passed, d.Messages)
	d.Daily = fillDays(days)
	d.Policy = latestPolicy(rows)
	d.Senders = senders(name, rows, f, tr)
	d.Spoofing, d.SpoofingMore = spoofing(rows)
	d.Readiness = readiness(d, len(days), tr)
	return d
}

func ratio(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// fillDays lists every day from the first to the last, zeros included.
func fillDays(days map[string]*Day) []Day {
	keys := slices.Sorted(maps.Keys(days))
	out := []Day{}
	if len(keys) == 0 {
		return out
	}
	first, err1 := time.Parse(time.DateOnly, keys[0])
	last, err2 := time.Parse(time.DateOnly, keys[len(keys)-1])
	if err1 != nil || err2 != nil || last.Sub(first) > 400*24*time.Hour {
		for _, k := range keys { // unparseable or too long to draw day by day: days with data only
			out = append(out, *days[k])
		}
		return out
	}
	for t := first; !t.After(last); t = t.AddDate(0, 0, 1) {
		k := t.Format(time.DateOnly)
		if d := days[k]; d != nil {
			out = append(out, *d)
		} else {
			out = append(out, Day{Date: k})
		}
	}
	return out
}

// latestPolicy is the policy of the latest day's reports; on a tie the one
// covering the most messages.
func latestPolicy(rows map[AggKey]int64) Policy {
	type pk struct {
		day, p, sp, np, testing string
		pct                     int64
	}
	sums := map[pk]int64{}
	for k, n := range rows {
		sums[pk{k.Day, k.P, k.SP, k.NP, k.Testing, k.Pct}] += n
	}
	keys := slices.Collect(maps.Keys(sums))
	slices.SortFunc(keys, func(a, b pk) int {
		return cmp.Or(cmp.Compare(b.day, a.day), cmp.Compare(sums[b], sums[a]), cmp.Compare(a.p, b.p),
			cmp.Compare(a.sp, b.sp), cmp.Compare(a.np, b.np), cmp.Compare(a.pct, b.pct), cmp.Compare(a.testing, b.testing))
	})
	if len(keys) == 0 {
		return Policy{}
	}
	k := keys[0]
	pol := Policy{P: k.p, SP: k.sp, NP: k.np, Testing: k.testing}
	if k.pct >= 0 {
		pct := k.pct
		pol.Pct = &pct
	}
	return pol
}

// verdictOf is the record's verdict; without enrichment, pass is aligned
// and failure is spoofed.
func verdictOf(k AggKey) string {
	if k.Verdict != "" {
		return k.Verdict
	}
	if k.Pass {
		return verdictAligned
	}
	return verdictSpoofed
}

// groupName names the sender group of a record: the catalogue name, else
// the AS, else an unknown network.
func groupName(sender string, asn int64, asOrg string, tr Translator) (name, kind string) {
	switch {
	case sender != "":
		return sender, ""
	case asn != 0 && asOrg != "":
		return fmt.Sprintf("AS%d %s", asn, asOrg), "network"
	case asn != 0:
		return fmt.Sprintf("AS%d", asn), "network"
	}
	return tr.T("sender.unknown"), "network"
}

// reporterErrors counts, per receiver and error, the reports that carry it.
func reporterErrors(f *Facts) []ReporterError {
	counts := map[[2]string]int64{}
	for k := range f.ReportErrors {
		counts[[2]string{k.Reporter, k.Error}]++
	}
	out := make([]ReporterError, 0, len(counts))
	for k, n := range counts {
		out = append(out, ReporterError{Reporter: k[0], Error: k[1], Reports: n})
	}
	slices.SortFunc(out, func(a, b ReporterError) int {
		return cmp.Or(cmp.Compare(b.Reports, a.Reports), cmp.Compare(a.Reporter, b.Reporter), cmp.Compare(a.Error, b.Error))
	})
	return out
}

// repairs counts, per kind, the reports repaired to be read, with the first
// few (by reporter and report id) as examples.
func repairs(f *Facts) []Repair {
	type kind struct{ report, kind string }
	refs := map[kind]map[ReportRef]bool{}
	counts := map[kind]int64{}
	for k := range f.Repairs {
		rk := kind{cmp.Or(k.Report, RepairAggregate), k.Kind}
		if refs[rk] == nil {
			refs[rk] = map[ReportRef]bool{}
		}
		// Two policy domains' reports with the same reporter and id are two
		// reports; they show as one example.
		refs[rk][ReportRef{k.Reporter, k.ReportID}] = true
		counts[rk]++
	}
	out := make([]Repair, 0, len(refs))
	for rk, set := range refs {
		ex := slices.SortedFunc(maps.Keys(set), func(a, b ReportRef) int {
			return cmp.Or(cmp.Compare(a.Reporter, b.Reporter), cmp.Compare(a.ReportID, b.ReportID))
		})
		out = append(out, Repair{Report: rk.report, Kind: rk.kind, Reports: counts[rk], Examples: ex[:min(len(ex), maxRepairExamples)]})
	}
	slices.SortFunc(out, func(a, b Repair) int {
		return cmp.Or(cmp.Compare(b.Reports, a.Reports), cmp.Compare(a.Report, b.Report), cmp.Compare(a.Kind, b.Kind))
	})
	return out
}

// recordWarnings sums, per warning, the records kept with it over every
// policy domain.
func recordWarnings(f *Facts) []RecordWarning {
	sums := map[string]WarningCount{}
	for k, c := range f.Warnings {
		w := sums[k.Warning]
		w.Records += c.Records
		w.Messages += c.Messages
		sums[k.Warning] = w
	}
	out := make([]RecordWarning, 0, len(sums))
	for w, c := range sums {
		out = append(out, RecordWarning{Warning: w, Records: c.Records, Messages: c.Messages})
	}
	slices.SortFunc(out, func(a, b RecordWarning) int {
		return cmp.Or(cmp.Compare(b.Records, a.Records), cmp.Compare(a.Warning, b.Warning))
	})
	return out
}
