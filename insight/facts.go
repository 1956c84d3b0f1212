// Package insight turns DMARC, failure and SMTP TLS documents into the
// domain owner's report: who sends in the domain's name, which senders are
// misconfigured, who spoofs it, and whether the policy can be tightened.
//
// Two steps keep the report the same whatever the data comes from: a
// source fills Facts (sums of message counts grouped by a fixed set of
// keys, which a search engine's composite aggregation computes as well as
// a walk over documents), then Analyze builds the Report from Facts alone.
package insight

import (
	"time"
)

// AggKey groups aggregate records. Every field is a scalar of the document;
// an absent field is the zero value.
type AggKey struct {
	Domain      string // policy.domain
	Day         string // UTC date of report.begin, YYYY-MM-DD
	Reporter    string // report.org_name
	IP          string // source.ip
	Address     string // source.address: the source_ip text when it is not an IP
	PTR         string // source.domain
	Country     string // source.geo.country_iso_code
	ASN         int64  // source.as.number
	ASOrg       string // source.as.organization.name
	Sender      string // source.sender.name
	SenderType  string // source.sender.type
	Verdict     string // dmarc.verdict
	Pass        bool   // dmarc.pass
	Disposition string // message.disposition
	P           string // policy.p
	SP          string // policy.sp
	NP          string // policy.np
	Pct         int64  // policy.pct, -1 when absent
	Testing     string // policy.testing
}

// AuthKey counts the messages of a sender group whose records carry an
// authentication domain: Kind "dkim" (auth.dkim.domains) or "spf"
// (auth.spf.domains). A record counts once per distinct domain it lists.
type AuthKey struct {
	Domain  string
	Sender  string
	ASN     int64
	ASOrg   string
	Verdict string
	Kind    string
	Value   string
}

// Span is a time range.
type Span struct{ Begin, End time.Time }

func (s *Span) add(o Span) {
	if s.Begin.IsZero() || (!o.Begin.IsZero() && o.Begin.Before(s.Begin)) {
		s.Begin = o.Begin
	}
	if o.End.After(s.End) {
		s.End = o.End
	}
}

// FailKey groups failure reports (one document each).
type FailKey struct {
	Domain     string // failure.reported_domain
	IP         string
	Country    string
	ASOrg      string
	HeaderFrom string // identifiers.header_from
	MailFrom   string // failure.original_mail_from
}

// FailTypeKey counts failure reports per listed auth failure.
type FailTypeKey struct{ Domain, Type string }

// TLSKey groups SMTP TLS policies.
type TLSKey struct{ Domain, Reporter, PolicyType string }

// TLSCount sums sessions of SMTP TLS policies.
type TLSCount struct{ Reports, Successful, Failed int64 }

// TLSTypeKey counts SMTP TLS policies listing a failure result type.
type TLSTypeKey struct{ Domain, Type string }

// ReportErrorKey is one error a receiver wrote in a report
// (report_metadata/error), once per report.
type ReportErrorKey struct{ Reporter, ReportID, Error string }

// RepairKey is one kind of repair dmarc-agent made to read a report, once
// per report: Report is its type ("aggregate", "failure", "smtp_tls"), Kind
// a value of report.repairs, failure.repairs or tls.report.repairs. A
// failure report has no report id: ReportID is the Message-ID of the
// message it is about.
type RepairKey struct{ Report, Domain, Reporter, ReportID, Kind string }

// WarningKey groups the aggregate records kept with a warning (warnings).
type WarningKey struct{ Domain, Warning string }

// WarningCount counts the records kept with a warning and their messages.
type WarningCount struct{ Records, Messages int64 }

// Rejected is an input that could not be read, with its reason.
type Rejected struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

// Facts is everything the analysis needs.
type Facts struct {
	Agg       map[AggKey]int64
	Auth      map[AuthKey]int64
	Periods   map[string]Span // policy domain -> earliest begin, latest end
	Failures  map[FailKey]int64
	FailTypes map[FailTypeKey]int64
	TLS       map[TLSKey]TLSCount
	TLSTypes  map[TLSTypeKey]int64
	// ReportErrors holds the errors receivers declared in their reports.
	ReportErrors map[ReportErrorKey]bool
	// Repairs holds the repairs made to read aggregate reports.
	Repairs map[RepairKey]bool
	// Warnings counts the aggregate records kept with a warning.
	Warnings map[WarningKey]WarningCount
	Rejected []Rejected
}

// NewFacts returns empty Facts.
func NewFacts() *Facts {
	return &Facts{
		Agg:       map[AggKey]int64{},
		Auth:      map[AuthKey]int64{},
		Periods:   map[string]Span{},
		Failures:  map[FailKey]int64{},
		FailTypes: map[FailTypeKey]int64{},
		TLS:       map[TLSKey]TLSCount{},
		TLSTypes:  map[TLSTypeKey]int64{},

		ReportErrors: map[ReportErrorKey]bool{},
		Repairs:      map[RepairKey]bool{},
		Warnings:     map[WarningKey]WarningCount{},
	}
}

// AddPeriod widens the period of a policy domain.
func (f *Facts) AddPeriod(domain string, s Span) {
	p := f.Periods[domain]
	p.add(Span{s.Begin.UTC(), s.End.UTC()})
	f.Periods[domain] = p
}

// AddTLS adds sessions of SMTP TLS policies.
func (f *Facts) AddTLS(k TLSKey, c TLSCount) {
	t := f.TLS[k]
	t.Reports += c.Reports
	t.Successful += c.Successful
	t.Failed += c.Failed
	f.TLS[k] = t
}

// AddWarning counts records kept with a warning.
func (f *Facts) AddWarning(k WarningKey, c WarningCount) {
	w := f.Warnings[k]
	w.Records += c.Records
	w.Messages += c.Messages
	f.Warnings[k] = w
}
