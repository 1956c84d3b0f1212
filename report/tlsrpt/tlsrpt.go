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
}

// Policy is one entry of policies[]: the policy applied and what happened.
type Policy struct {
	Type       string   // lower-cased: sts, tlsa, no-policy-found
	Strings    []string // policy-string lines
	Domain     string   // lower-cased, no trailing dot
	MXHosts    []string // mx-host
	Successful int64    // total-successful-session-count
	Failed     int64    // total-failure-session-count
	Failures   []FailureDetail
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
