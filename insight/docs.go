package insight

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/dmarc-agent/dmarc-agent/mapping"
)

// Collector fills Facts from documents, counting each document id once so
// that copies of a report (a resent mail, the same file twice) count once,
// as they do in an index. It is safe for concurrent use.
type Collector struct {
	mu      sync.Mutex
	seen    map[string]struct{}
	facts   *Facts
	domains map[string]bool // when not nil, the policy domains to keep
	since   time.Time       // when not zero, keep reports ending at or after it
}

// NewCollector returns a Collector keeping only the given policy domains
// (all when none) and reports ending at or after since (all when zero):
// the filters the OpenSearch source applies.
func NewCollector(domains []string, since time.Time) *Collector {
	c := &Collector{seen: map[string]struct{}{}, facts: NewFacts(), since: since}
	if len(domains) > 0 {
		c.domains = map[string]bool{}
		for _, d := range domains {
			c.domains[strings.ToLower(strings.TrimSpace(d))] = true
		}
	}
	return c
}

// Facts returns what was collected. Call it once every Add has returned.
func (c *Collector) Facts() *Facts { return c.facts }

// Reject records an input that could not be read.
func (c *Collector) Reject(path, reason string) {
	c.mu.Lock()
	c.facts.Rejected = append(c.facts.Rejected, Rejected{Path: path, Reason: reason})
	c.mu.Unlock()
}

// keywordLimit is the ignore_above of the index templates' keyword fields.
const keywordLimit = 1024

// KindOf tells the report kind from an index name <prefix>-<kind>-YYYY.MM.
func KindOf(index string) (mapping.Kind, bool) {
	for _, k := range []mapping.Kind{mapping.KindAggregate, mapping.KindFailure, mapping.KindSMTPTLS} {
		if strings.Contains(index, "-"+k.IndexKind()+"-") {
			return k, true
		}
	}
	return "", false
}

// Add decodes one document of the given index and adds it once per id.
func (c *Collector) Add(index, id string, body []byte) error {
	kind, ok := KindOf(index)
	if !ok {
		return fmt.Errorf("index %q is not an aggregate, failure or SMTP TLS index", index)
	}
	var add func()
	switch kind {
	case mapping.KindAggregate:
		var d mapping.AggregateDoc
		if err := json.Unmarshal(body, &d); err != nil {
			return fmt.Errorf("decoding aggregate document %s: %w", id, err)
		}
		add = func() { c.addAggregate(&d) }
	case mapping.KindFailure:
		var d mapping.FailureDoc
		if err := json.Unmarshal(body, &d); err != nil {
			return fmt.Errorf("decoding failure document %s: %w", id, err)
		}
		add = func() { c.addFailure(&d) }
	default:
		var d mapping.TLSDoc
		if err := json.Unmarshal(body, &d); err != nil {
			return fmt.Errorf("decoding SMTP TLS document %s: %w", id, err)
		}
		add = func() { c.addTLS(&d) }
	}
	// Only a document that could be read marks its id: a damaged copy
	// does not hide a good one.
	key := string(kind) + "\x00" + id
	c.mu.Lock()
	_, dup := c.seen[key]
	c.seen[key] = struct{}{}
	c.mu.Unlock()
	if !dup {
		add()
	}
	return nil
}

func (c *Collector) keep(domain string, end time.Time) bool {
	return (c.domains == nil || c.domains[domain]) && (c.since.IsZero() || !end.Before(c.since))
}

func (c *Collector) addAggregate(d *mapping.AggregateDoc) {
	if !c.keep(d.Policy.Domain, d.Report.End) {
		return
	}
	k := AggKey{
		Domain: d.Policy.Domain, Day: d.Report.Begin.UTC().Format("2006-01-02"), Reporter: d.Report.OrgName,
		IP: d.Source.IP, Address: keyword(d.Source.Address), PTR: d.Source.Domain, Verdict: d.DMARC.Verdict, Pass: d.DMARC.Passed(), // unknown pass counts as not passed
		Disposition: d.Message.Disposition, P: d.Policy.P, SP: d.Policy.SP, NP: d.Policy.NP, Pct: -1,
		Testing: d.Policy.Testing,
	}
	if d.Policy.Pct != nil {
		k.Pct = int64(*d.Policy.Pct)
	}
	k.Country, k.ASN, k.ASOrg, k.Sender, k.SenderType = sourceFields(d.Source)
	n := d.Message.Count
	c.mu.Lock()
	defer c.mu.Unlock()
	f := c.facts
	f.Agg[k] += n
	f.AddPeriod(d.Policy.Domain, Span{d.Report.Begin, d.Report.End})
	for _, e := range distinct(d.Report.Errors) {
		if utf8.RuneCountInString(e) > keywordLimit {
			continue // not aggregatable in the index either (ignore_above)
		}
		f.ReportErrors[ReportErrorKey{d.Report.OrgName, d.Report.ID, e}] = true
	}
	for _, r := range distinct(d.Report.Repairs) {
		if keyword(r) == "" {
			continue
		}
		f.Repairs[RepairKey{RepairAggregate, d.Policy.Domain, keyword(d.Report.OrgName), keyword(d.Report.ID), keyword(r)}] = true
	}
	for _, w := range distinct(d.Warnings) {
		if keyword(w) == "" {
			continue
		}
		f.AddWarning(WarningKey{d.Policy.Domain, keyword(w)}, WarningCount{Records: 1, Messages: n})
	}
	ak := AuthKey{Domain: k.Domain, Sender: k.Sender, ASN: k.ASN, ASOrg: k.ASOrg, Verdict: k.Verdict}
	for kind, values := range map[string][]string{"dkim": d.Auth.DKIM.Domains, "spf": d.Auth.SPF.Domains} {
		ak.Kind = kind
		for _, v := range distinct(values) {
			ak.Value = v
			f.Auth[ak] += n
		}
	}
}

// keyword is a value as a keyword field aggregates it: absent beyond the
// index templates' ignore_above.
func keyword(s string) string {
	if utf8.RuneCountInString(s) > keywordLimit {
		return ""
	}
	return s
}

func sourceFields(s mapping.Source) (country string, asn int64, asOrg, sender, senderType string) {
	if s.Geo != nil {
		country = s.Geo.CountryISOCode
	}
	if s.AS != nil {
		asn = int64(s.AS.Number)
		if s.AS.Organization != nil {
			asOrg = s.AS.Organization.Name
		}
	}
	if s.Sender != nil {
		sender, senderType = s.Sender.Name, s.Sender.Type
	}
	return
}

// distinct drops empty and repeated values, as a keyword field's doc values do.
func distinct(vs []string) []string {
	var out []string
	for _, v := range vs {
		if v != "" && !contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

func contains(vs []string, v string) bool {
	for _, x := range vs {
		if x == v {
			return true
		}
	}
	return false
}

func (c *Collector) addFailure(d *mapping.FailureDoc) {
	if !c.keep(d.Failure.ReportedDomain, d.Timestamp) {
		return
	}
	country, _, asOrg, _, _ := sourceFields(d.Source)
	k := FailKey{Domain: d.Failure.ReportedDomain, IP: d.Source.IP, Country: country, ASOrg: asOrg,
		HeaderFrom: d.Identifiers.HeaderFrom, MailFrom: d.Failure.OriginalMailFrom}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.facts.Failures[k]++
	for _, t := range distinct(d.Failure.AuthFailure) {
		c.facts.FailTypes[FailTypeKey{k.Domain, t}]++
	}
	for _, r := range distinct(d.Failure.Repairs) {
		if keyword(r) != "" {
			c.facts.Repairs[RepairKey{RepairFailure, k.Domain, d.Reporter.Domain, keyword(d.Message.MessageID), keyword(r)}] = true
		}
	}
}

func (c *Collector) addTLS(d *mapping.TLSDoc) {
	p := d.TLS.Policy
	if !c.keep(p.Domain, d.TLS.Report.End) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.facts.AddTLS(TLSKey{p.Domain, d.TLS.Report.OrgName, p.Type},
		TLSCount{Reports: 1, Successful: d.TLS.Summary.Successful, Failed: d.TLS.Summary.Failed})
	for _, t := range distinct(d.TLS.Failure.ResultTypes) {
		c.facts.TLSTypes[TLSTypeKey{p.Domain, t}]++
	}
	for _, r := range distinct(d.TLS.Report.Repairs) {
		if keyword(r) != "" {
			c.facts.Repairs[RepairKey{RepairSMTPTLS, p.Domain, keyword(d.TLS.Report.OrgName), keyword(d.TLS.Report.ID), keyword(r)}] = true
		}
	}
}
