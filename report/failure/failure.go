// Package failure parses DMARC failure (forensic) reports: ARF messages
// (RFC 5965, RFC 6591, RFC 9991) with Feedback-Type auth-failure, and the
// plain-text reports without an ARF part that some receivers send.
package failure

import (
	"net/netip"
	"time"
)

// Report formats.
const (
	FormatARF  = "arf"  // a message/feedback-report part
	FormatText = "text" // ARF fields as "Name: value" lines in plain text
)

// Report is one failure report. Values of enumerated fields (feedback type,
// auth failures, alignment, delivery result) are lower-cased; domains too.
// Addresses are kept as written, without angle brackets.
type Report struct {
	Format       string // FormatARF or FormatText
	FeedbackType string // "auth-failure"
	Version      string
	UserAgent    string
	ReportingMTA string // without the "dns;" type
	Incidents    int64  // 0 when absent

	AuthFailure       []string // adsp, bodyhash, revoked, signature, spf, dmarc, dkim, ...
	IdentityAlignment []string // none, spf, dkim
	DeliveryResult    string   // delivered, spam, policy, reject, other
	ReportedDomain    string   // Reported-Domain, else the original From domain, DKIM-Domain, Original-Mail-From domain
	SourceIP          netip.Addr

	OriginalEnvelopeID string   // Original-Envelope-Id (RFC 5965)
	ReportedURI        []string // Reported-URI values (RFC 5965)
	OriginalMailFrom   string   // envelope sender of the failed message
	OriginalRcptTo     []string // envelope recipients (personal data)
	ArrivalDate        time.Time
	// AuthenticationResults are the receiver's Authentication-Results for
	// the failed message (feedback part, else the original headers).
	AuthenticationResults []string

	// DKIMDomain is the first DKIM-Domain; DKIMDomains every value, from
	// repeated fields and ";" or "," separated lists, in order, once each.
	DKIMDomain, DKIMIdentity, DKIMSelector string
	DKIMDomains                            []string
	DKIMCanonicalizedHeader                string // base64, as sent (holds original headers)
	DKIMCanonicalizedBody                  string // base64, as sent (holds the original body)
	SPFDNS                                 []string

	Original Original

	// ReportFrom is the address in the report message's From header.
	ReportFrom string
	// ReportDate is the report message's Date header; zero if absent.
	ReportDate time.Time
	// Received is when the collector received the report.
	Received time.Time
	// Repairs lists what was repaired to read the report (the Repair*
	// kinds), in the order met; nil when it was read as written.
	Repairs []string
}

// Repair kinds (Report.Repairs).
const (
	// RepairFeedbackOutsideReport: the feedback-report part (plain, base64
	// or quoted-printable) was found in a multipart other than
	// multipart/report (multipart/mixed).
	RepairFeedbackOutsideReport = "feedback_outside_report"
	// RepairTextLayout: a plain-text report whose fields were read from
	// another layout (Exim's "Sender IP Address:", lines indented or quoted
	// by a forwarding groupware server).
	RepairTextLayout = "text_report_layout"
)

// Original is what the report shows of the message that failed.
type Original struct {
	Subject   string // encoded words decoded
	MessageID string // without angle brackets
	Date      time.Time
	From      string   // the From address
	To        []string // To and Cc addresses (personal data)
	// Body is the original body when the report carries a full copy
	// (message/rfc822); HasBody tells whether it did.
	Body    string
	HasBody bool
}

// Time is the report's date: Arrival-Date, else the report message's Date,
// else the original message's Date, else when it was received. It is the
// date of the index and @timestamp.
func (r *Report) Time() time.Time {
	switch {
	case !r.ArrivalDate.IsZero():
		return r.ArrivalDate.UTC()
	case !r.ReportDate.IsZero():
		return r.ReportDate.UTC()
	case !r.Original.Date.IsZero():
		return r.Original.Date.UTC()
	}
	return r.Received.UTC()
}

// HeaderFrom is the domain of the original From header ("" if unknown).
func (r *Report) HeaderFrom() string { return domainOf(r.Original.From) }

// EnvelopeFrom is the domain of Original-Mail-From ("" if unknown).
func (r *Report) EnvelopeFrom() string { return domainOf(r.OriginalMailFrom) }

// ReporterDomain is the domain of the report's From address.
func (r *Report) ReporterDomain() string { return domainOf(r.ReportFrom) }
