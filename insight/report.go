package insight

import "time"

// Readiness verdicts.
const (
	NotReady            = "not-ready"
	ReadyForQuarantine  = "ready-for-quarantine"
	ReadyForReject      = "ready-for-reject"
	Enforced            = "enforced"
	verdictAligned      = "aligned"
	verdictForwarded    = "forwarded"
	verdictMisconfig    = "misconfigured"
	verdictSpoofed      = "spoofed"
	maxSpoofingSources  = 25
	maxFailureTopCounts = 10
	maxRepairExamples   = 3
)

// Report is the domain owner's report. docs/report.md documents it; its
// JSON form is the `--format json` output.
type Report struct {
	Lang     string     `json:"lang"`
	Period   Period     `json:"period"`
	Domains  []Domain   `json:"domains"`
	Failure  Failure    `json:"failure"`
	SMTPTLS  SMTPTLS    `json:"smtp_tls"`
	Rejected []Rejected `json:"rejected"`
	// ReporterErrors are the errors receivers declared in their reports.
	ReporterErrors []ReporterError `json:"reporter_errors"`
	// Repairs are the aggregate reports dmarc-agent repaired to read them,
	// per kind of repair.
	Repairs []Repair `json:"repairs"`
	// RecordWarnings are the aggregate records kept with a warning.
	RecordWarnings []RecordWarning `json:"record_warnings"`
	// Attribution is the notice the embedded IP database's licence asks for.
	Attribution string `json:"attribution"`
}

// Period is the time covered by reports.
type Period struct {
	Begin time.Time `json:"begin"`
	End   time.Time `json:"end"`
}

// Domain is the report on one policy domain.
type Domain struct {
	Domain    string    `json:"domain"`
	Period    Period    `json:"period"`
	Receivers []string  `json:"receivers"`
	Messages  int64     `json:"messages"`
	Passed    int64     `json:"passed"`
	PassRate  float64   `json:"pass_rate"` // 0..1
	Policy    Policy    `json:"policy"`
	Readiness Readiness `json:"readiness"`
	Senders   []Sender  `json:"senders"`
	Spoofing  []Spoof   `json:"spoofing"`
	// SpoofingMore counts spoofing sources left out of Spoofing.
	SpoofingMore int   `json:"spoofing_more"`
	Daily        []Day `json:"daily"`
}

// Policy is the policy as published in the latest reports.
type Policy struct {
	P       string `json:"p"`
	SP      string `json:"sp,omitempty"`
	NP      string `json:"np,omitempty"`
	Pct     *int64 `json:"pct,omitempty"`
	Testing string `json:"testing,omitempty"`
}

// Readiness says whether the policy can be tightened.
type Readiness struct {
	Verdict string `json:"verdict"`
	Reason  string `json:"reason"`
	// AlignedShare is aligned / (aligned + misconfigured) messages, 0..1.
	AlignedShare float64  `json:"aligned_share"`
	DaysOfData   int      `json:"days_of_data"`
	Blockers     []string `json:"blockers"`
}

// Sender is one sending service (or network) with one verdict.
type Sender struct {
	Name      string   `json:"name"`
	Type      string   `json:"type,omitempty"`
	Verdict   string   `json:"verdict"`
	Messages  int64    `json:"messages"`
	PassRate  float64  `json:"pass_rate"`
	IPs       int      `json:"ips"`
	Countries []string `json:"countries"`
	// Unreadable lists the source_ip texts, as written, that are not IP
	// addresses (not counted in IPs).
	Unreadable []string `json:"unreadable_sources,omitempty"`
	Fix        string   `json:"fix,omitempty"`
}

// Spoof is one unauthorised source: an IP address, or the source_ip text
// as written (Address) when it is not an IP address; both are empty for
// records without a source_ip.
type Spoof struct {
	IP           string           `json:"ip"`
	Address      string           `json:"address,omitempty"`
	PTR          string           `json:"ptr,omitempty"`
	ASN          int64            `json:"asn,omitempty"`
	ASOrg        string           `json:"as_org,omitempty"`
	Country      string           `json:"country,omitempty"`
	Messages     int64            `json:"messages"`
	Dispositions map[string]int64 `json:"dispositions"`
	Reporters    []string         `json:"reporters"`
}

// Day is one day of mail, by report begin date (UTC).
type Day struct {
	Date string `json:"date"`
	Pass int64  `json:"pass"`
	Fail int64  `json:"fail"`
}

// Count is a named count.
type Count struct {
	Name   string `json:"name"`
	Detail string `json:"detail,omitempty"`
	Count  int64  `json:"count"`
}

// Failure summarises failure (forensic) reports.
type Failure struct {
	Reports       int64   `json:"reports"`
	TopSources    []Count `json:"top_sources"`
	TopIdentities []Count `json:"top_identities"`
	AuthFailures  []Count `json:"auth_failures"`
}

// SMTPTLS summarises SMTP TLS reports per policy domain.
type SMTPTLS struct {
	Domains []TLSDomain `json:"domains"`
}

// TLSDomain is one policy domain of SMTP TLS reports.
type TLSDomain struct {
	Domain      string       `json:"domain"`
	PolicyTypes []string     `json:"policy_types"`
	Reporters   []string     `json:"reporters"`
	Reports     int64        `json:"reports"`
	Successful  int64        `json:"successful_sessions"`
	Failed      int64        `json:"failed_sessions"`
	Failures    []TLSFailure `json:"failures"`
}

// TLSFailure is one failure result type with what to fix.
type TLSFailure struct {
	Type    string `json:"type"`
	Reports int64  `json:"reports"`
	Fix     string `json:"fix"`
}

// ReporterError is an error receivers wrote in their reports
// (report_metadata/error), with the number of reports that carry it.
type ReporterError struct {
	Reporter string `json:"reporter"`
	Error    string `json:"error"`
	Reports  int64  `json:"reports"`
}

// Repair is one kind of repair with the number of reports it was made to
// and a few of them.
type Repair struct {
	Report   string      `json:"report"` // RepairAggregate, RepairFailure or RepairSMTPTLS
	Kind     string      `json:"kind"`
	Reports  int64       `json:"reports"`
	Examples []ReportRef `json:"examples"`
}

// The report types of Repair.Report.
const (
	RepairAggregate = "aggregate"
	RepairFailure   = "failure"
	RepairSMTPTLS   = "smtp_tls"
)

// Label is the kind as the report shows it: the value of report.repairs
// for aggregate reports, prefixed with the field for the others.
func (r Repair) Label() string {
	switch r.Report {
	case RepairFailure:
		return "failure.repairs: " + r.Kind
	case RepairSMTPTLS:
		return "tls.report.repairs: " + r.Kind
	}
	return r.Kind
}

// ReportRef names one report.
type ReportRef struct {
	Reporter string `json:"reporter"`
	ReportID string `json:"report_id"`
}

// RecordWarning counts the aggregate records kept with one warning.
type RecordWarning struct {
	Warning  string `json:"warning"`
	Records  int64  `json:"records"`
	Messages int64  `json:"messages"`
}
