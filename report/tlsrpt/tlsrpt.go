// Package tlsrpt parses SMTP TLS reports (RFC 8460): the JSON a sending
// organisation sends about its TLS sessions to a domain's MX hosts.
package tlsrpt

import "time"

// Policy types (RFC 8460 section 4.3); other values are kept as written, lower-cased.
const (
	PolicySTS           = "sts"
	PolicyTLSA          = "tlsa"
	PolicyNoPolicyFound = "no-policy-found"
)

// Report is one SMTP TLS report. Strings are trimmed of surrounding space.
type Report struct {
	OrgName     string
	Start, End  time.Time // UTC
	ContactInfo string
	ReportID    string
	Policies    []Policy // at least one
	// Repairs lists what was repaired to read the report as a whole
	// (RepairZonelessDate); nil when it was read as written.
	Repairs []string
}

// Repair kinds (Report.Repairs, Policy.Repairs).
const (
	// RepairZonelessDate: a date-time without a zone, read as UTC.
	RepairZonelessDate = "datetime_without_zone"
	// RepairDomainInferred: a policy without policy-domain got the domain
	// of the report's other policies.
	RepairDomainInferred = "policy_domain_inferred"
	// RepairDomainMissing: a policy without policy-domain, none inferable:
	// kept without a domain.
	RepairDomainMissing = "policy_domain_missing"
)

// Policy is one entry of policies[]: the policy applied and what happened.
type Policy struct {
	Type       string   // lower-cased: sts, tlsa, no-policy-found
	Strings    []string // policy-string lines
	Domain     string   // lower-cased, no trailing dot; "" when the report has none (see Repairs)
	MXHosts    []string // mx-host
	Successful int64    // total-successful-session-count
	Failed     int64    // total-failure-session-count
	Failures   []FailureDetail
	Repairs    []string // RepairDomainInferred or RepairDomainMissing; nil otherwise
}

// FailureDetail is one entry of failure-details[].
type FailureDetail struct {
	ResultType          string // lower-cased, e.g. certificate-expired, starttls-not-supported
	SendingMTAIP        string // normalised when it is an IP address, else as written
	ReceivingMXHostname string
	ReceivingMXHelo     string
	ReceivingIP         string // normalised when it is an IP address, else as written
	FailedSessionCount  int64
	// AdditionalInformation is a URI by the RFC; any JSON value is kept as text.
	AdditionalInformation string
	// FailureReasonCode is free text by the RFC and in practice; any JSON
	// value is kept as text.
	FailureReasonCode string
}

// Sessions returns the totals of successful and failed sessions over every policy.
func (r *Report) Sessions() (successful, failed int64) {
	for _, p := range r.Policies {
		successful += p.Successful
		failed += p.Failed
	}
	return successful, failed
}
