package source

import (
	"context"
	"time"

	"github.com/dmarc-agent/dmarc-agent/insight"
	"github.com/dmarc-agent/dmarc-agent/mapping"
)

// Searcher runs one search request on an index pattern.
type Searcher interface {
	Search(ctx context.Context, index string, body []byte) ([]byte, error)
}

// Query says what to read from the cluster.
type Query struct {
	Prefix  string    // index prefix (mapping.DefaultPrefix when empty)
	Since   time.Time // reports ending at or after this time; zero: all
	Domains []string  // policy domains to keep; empty: all
}

// PageSize is the composite aggregation page (buckets per request); a
// test lowers it to make every query page.
var PageSize = 1000

// FromOpenSearch fills Facts with composite aggregations over the agent's
// indices: the same sums the Collector computes from documents, so the
// same reports give the same Facts. Each document id exists once in an
// index, so copies of a report count once here too.
func FromOpenSearch(ctx context.Context, s Searcher, q Query) (*insight.Facts, error) {
	f := insight.NewFacts()
	agg := mapping.IndexPattern(q.Prefix, mapping.KindAggregate)
	steps := []func() error{
		func() error {
			return composite(ctx, s, agg, q.filter("report.end", "policy.domain"), aggSources, sumOf("message.count"), func(b bucket) {
				k := insight.AggKey{
					Domain: b.str("domain"), Day: b.day("day"), Reporter: b.str("reporter"), IP: b.str("ip"), Address: b.str("address"), PTR: b.str("ptr"),
					Country: b.str("country"), ASN: b.num("asn"), ASOrg: b.str("as_org"), Sender: b.str("sender"),
					SenderType: b.str("sender_type"), Verdict: b.str("verdict"), Pass: b.bool("pass"),
					Disposition: b.str("disposition"), P: b.str("p"), SP: b.str("sp"), NP: b.str("np"), Pct: -1,
					Testing: b.str("testing"),
				}
				if b.Key["pct"] != nil {
					k.Pct = b.num("pct")
				}
				f.Agg[k] += b.sum()
			})
		},
		func() error {
			return composite(ctx, s, agg, q.filter("report.end", "policy.domain"), terms("domain", "policy.domain"),
				map[string]any{"begin": map[string]any{"min": map[string]any{"field": "report.begin"}},
					"end": map[string]any{"max": map[string]any{"field": "report.end"}}},
				func(b bucket) {
					f.AddPeriod(b.str("domain"), insight.Span{Begin: b.millis("begin"), End: b.millis("end")})
				})
		},
	}
	for _, kind := range []string{"dkim", "spf"} {
		steps = append(steps, func() error {
			src := append(terms("domain", "policy.domain", "sender", "source.sender.name", "as_org", "source.as.organization.name",
				"verdict", "dmarc.verdict"), termsSource("asn", "source.as.number"), termsSource("value", "auth."+kind+".domains"))
			return composite(ctx, s, agg, q.filter("report.end", "policy.domain"), src, sumOf("message.count"), func(b bucket) {
				if b.Key["value"] == nil {
					return
				}
				f.Auth[insight.AuthKey{Domain: b.str("domain"), Sender: b.str("sender"), ASN: b.num("asn"), ASOrg: b.str("as_org"),
					Verdict: b.str("verdict"), Kind: kind, Value: b.str("value")}] += b.sum()
			})
		})
	}
	steps = append(steps, func() error {
		src := append(terms("reporter", "report.org_name", "id", "report.id"), termsSource("error", "report.errors"))
		return composite(ctx, s, agg, q.filter("report.end", "policy.domain"), src, nil, func(b bucket) {
			if b.Key["error"] != nil {
				f.ReportErrors[insight.ReportErrorKey{Reporter: b.str("reporter"), ReportID: b.str("id"), Error: b.str("error")}] = true
			}
		})
	})
	steps = append(steps, func() error {
		src := append(terms("domain", "policy.domain", "reporter", "report.org_name", "id", "report.id"), termsSource("kind", "report.repairs"))
		return composite(ctx, s, agg, q.filter("report.end", "policy.domain"), src, nil, func(b bucket) {
			if b.Key["kind"] != nil {
				f.Repairs[insight.RepairKey{Report: insight.RepairAggregate, Domain: b.str("domain"), Reporter: b.str("reporter"), ReportID: b.str("id"), Kind: b.str("kind")}] = true
			}
		})
	}, func() error {
		src := append(terms("domain", "policy.domain"), termsSource("warning", "warnings"))
		return composite(ctx, s, agg, q.filter("report.end", "policy.domain"), src, sumOf("message.count"), func(b bucket) {
			if b.Key["warning"] != nil {
				f.AddWarning(insight.WarningKey{Domain: b.str("domain"), Warning: b.str("warning")},
					insight.WarningCount{Records: b.DocCount, Messages: b.sum()})
			}
		})
	})
	fail := mapping.IndexPattern(q.Prefix, mapping.KindFailure)
	tls := mapping.IndexPattern(q.Prefix, mapping.KindSMTPTLS)
	steps = append(steps,
		func() error {
			src := terms("domain", "failure.reported_domain", "ip", "source.ip", "country", "source.geo.country_iso_code",
				"as_org", "source.as.organization.name", "header_from", "identifiers.header_from", "mail_from", "failure.original_mail_from")
			return composite(ctx, s, fail, q.filter("@timestamp", "failure.reported_domain"), src, nil, func(b bucket) {
				f.Failures[insight.FailKey{Domain: b.str("domain"), IP: b.str("ip"), Country: b.str("country"), ASOrg: b.str("as_org"),
					HeaderFrom: b.str("header_from"), MailFrom: b.str("mail_from")}] += b.DocCount
			})
		},
		func() error {
			src := append(terms("domain", "failure.reported_domain"), termsSource("type", "failure.auth_failure"))
			return composite(ctx, s, fail, q.filter("@timestamp", "failure.reported_domain"), src, nil, func(b bucket) {
				if b.Key["type"] != nil {
					f.FailTypes[insight.FailTypeKey{Domain: b.str("domain"), Type: b.str("type")}] += b.DocCount
				}
			})
		},
		func() error {
			src := terms("domain", "tls.policy.domain", "reporter", "tls.report.org_name", "type", "tls.policy.type")
			subs := map[string]any{"ok": map[string]any{"sum": map[string]any{"field": "tls.summary.successful"}},
				"failed": map[string]any{"sum": map[string]any{"field": "tls.summary.failed"}}}
			return composite(ctx, s, tls, q.filter("tls.report.end", "tls.policy.domain"), src, subs, func(b bucket) {
				f.AddTLS(insight.TLSKey{Domain: b.str("domain"), Reporter: b.str("reporter"), PolicyType: b.str("type")},
					insight.TLSCount{Reports: b.DocCount, Successful: b.value("ok"), Failed: b.value("failed")})
			})
		},
		func() error {
			src := append(terms("domain", "failure.reported_domain", "reporter", "reporter.domain", "id", "message.message_id"),
				termsSource("kind", "failure.repairs"))
			return composite(ctx, s, fail, q.filter("@timestamp", "failure.reported_domain"), src, nil, func(b bucket) {
				if b.Key["kind"] != nil {
					f.Repairs[insight.RepairKey{Report: insight.RepairFailure, Domain: b.str("domain"), Reporter: b.str("reporter"),
						ReportID: b.str("id"), Kind: b.str("kind")}] = true
				}
			})
		},
		func() error {
			src := append(terms("domain", "tls.policy.domain", "reporter", "tls.report.org_name", "id", "tls.report.id"),
				termsSource("kind", "tls.report.repairs"))
			return composite(ctx, s, tls, q.filter("tls.report.end", "tls.policy.domain"), src, nil, func(b bucket) {
				if b.Key["kind"] != nil {
					f.Repairs[insight.RepairKey{Report: insight.RepairSMTPTLS, Domain: b.str("domain"), Reporter: b.str("reporter"),
						ReportID: b.str("id"), Kind: b.str("kind")}] = true
				}
			})
		},
		func() error {
			src := append(terms("domain", "tls.policy.domain"), termsSource("type", "tls.failure.result_types"))
			return composite(ctx, s, tls, q.filter("tls.report.end", "tls.policy.domain"), src, nil, func(b bucket) {
				if b.Key["type"] != nil {
					f.TLSTypes[insight.TLSTypeKey{Domain: b.str("domain"), Type: b.str("type")}] += b.DocCount
				}
			})
		},
	)
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	return f, nil
}

var aggSources = append(terms(
	"domain", "policy.domain", "reporter", "report.org_name", "ip", "source.ip", "address", "source.address", "ptr", "source.domain",
	"country", "source.geo.country_iso_code", "as_org", "source.as.organization.name", "sender", "source.sender.name",
	"sender_type", "source.sender.type", "verdict", "dmarc.verdict", "pass", "dmarc.pass",
	"disposition", "message.disposition", "p", "policy.p", "sp", "policy.sp", "np", "policy.np", "testing", "policy.testing"),
	termsSource("asn", "source.as.number"), termsSource("pct", "policy.pct"),
	map[string]any{"day": map[string]any{"date_histogram": map[string]any{
		"field": "report.begin", "calendar_interval": "1d", "time_zone": "UTC", "format": "yyyy-MM-dd"}}},
)

// terms builds composite terms sources from name, field pairs.
func terms(pairs ...string) []map[string]any {
	var out []map[string]any
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, termsSource(pairs[i], pairs[i+1]))
	}
	return out
}

// termsSource keeps documents without the field (missing_bucket), as the
// Collector does with absent fields.
func termsSource(name, field string) map[string]any {
	return map[string]any{name: map[string]any{"terms": map[string]any{"field": field, "missing_bucket": true}}}
}

func sumOf(field string) map[string]any {
	return map[string]any{"messages": map[string]any{"sum": map[string]any{"field": field}}}
}

func (q Query) filter(timeField, domainField string) []any {
	var fs []any
	if !q.Since.IsZero() {
		fs = append(fs, map[string]any{"range": map[string]any{timeField: map[string]any{
			"gte": q.Since.UnixMilli(), "format": "epoch_millis"}}})
	}
	if len(q.Domains) > 0 {
		fs = append(fs, map[string]any{"terms": map[string]any{domainField: q.Domains}})
	}
	return fs
}
