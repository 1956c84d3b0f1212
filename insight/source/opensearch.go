package source

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
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
					Domain: b.str("domain"), Day: b.day("day"), Reporter: b.str("reporter"), IP: b.str("ip"), PTR: b.str("ptr"),
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
	"domain", "policy.domain", "reporter", "report.org_name", "ip", "source.ip", "ptr", "source.domain",
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

type bucket struct {
	Key      map[string]any             `json:"key"`
	DocCount int64                      `json:"doc_count"`
	Subs     map[string]json.RawMessage `json:"-"`
}

func (b bucket) str(name string) string {
	switch v := b.Key[name].(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	}
	return ""
}

func (b bucket) num(name string) int64 {
	switch v := b.Key[name].(type) {
	case json.Number:
		if n, err := v.Int64(); err == nil {
			return n
		}
		f, _ := v.Float64()
		return int64(f)
	case string:
		n, _ := strconv.ParseInt(v, 10, 64)
		return n
	}
	return 0
}

func (b bucket) bool(name string) bool {
	switch v := b.Key[name].(type) {
	case bool:
		return v
	case json.Number:
		return v.String() == "1"
	case string:
		return v == "true"
	}
	return false
}

// day reads a date_histogram key: a formatted date or epoch milliseconds.
func (b bucket) day(name string) string {
	if v, ok := b.Key[name].(json.Number); ok {
		n, _ := v.Int64()
		return time.UnixMilli(n).UTC().Format(time.DateOnly)
	}
	return b.str(name)
}

// value reads a metric sub-aggregation as an integer.
func (b bucket) value(name string) int64 {
	var m struct {
		Value *float64 `json:"value"`
	}
	if json.Unmarshal(b.Subs[name], &m) != nil || m.Value == nil {
		return 0
	}
	return int64(*m.Value + 0.5)
}

func (b bucket) sum() int64 { return b.value("messages") }

func (b bucket) millis(name string) time.Time {
	var m struct {
		Value *float64 `json:"value"`
	}
	if json.Unmarshal(b.Subs[name], &m) != nil || m.Value == nil {
		return time.Time{}
	}
	return time.UnixMilli(int64(*m.Value)).UTC()
}

// composite pages through a composite aggregation, calling each for every
// bucket.
func composite(ctx context.Context, s Searcher, index string, filter []any, sources []map[string]any, subs map[string]any, each func(bucket)) error {
	var after map[string]any
	for {
		comp := map[string]any{"size": PageSize, "sources": sources}
		if after != nil {
			comp["after"] = after
		}
		rows := map[string]any{"composite": comp}
		if len(subs) > 0 {
			rows["aggs"] = subs
		}
		body, err := json.Marshal(map[string]any{
			"size": 0, "track_total_hits": false,
			"query": map[string]any{"bool": map[string]any{"filter": filter}},
			"aggs":  map[string]any{"rows": rows},
		})
		if err != nil {
			return fmt.Errorf("building the query on %s: %w", index, err)
		}
		raw, err := s.Search(ctx, index, body)
		if err != nil {
			return err
		}
		var res struct {
			Aggregations struct {
				Rows struct {
					AfterKey map[string]any               `json:"after_key"`
					Buckets  []map[string]json.RawMessage `json:"buckets"`
				} `json:"rows"`
			} `json:"aggregations"`
		}
		dec := json.NewDecoder(bytesReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&res); err != nil {
			return fmt.Errorf("reading the aggregation answer of %s: %w", index, err)
		}
		for _, raw := range res.Aggregations.Rows.Buckets {
			b := bucket{Subs: raw}
			kd := json.NewDecoder(bytesReader(raw["key"]))
			kd.UseNumber()
			if err := kd.Decode(&b.Key); err != nil {
				return fmt.Errorf("reading a bucket key of %s: %w", index, err)
			}
			if err := json.Unmarshal(raw["doc_count"], &b.DocCount); err != nil {
				return fmt.Errorf("reading a bucket count of %s: %w", index, err)
			}
			each(b)
		}
		if len(res.Aggregations.Rows.Buckets) < PageSize || res.Aggregations.Rows.AfterKey == nil {
			return nil
		}
		after = res.Aggregations.Rows.AfterKey
	}
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
