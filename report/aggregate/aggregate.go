// Package aggregate parses DMARC aggregate (RUA) reports: RFC 7489 Appendix C,
// the pre-1.0 drafts, and RFC 9990. It streams: records are handed to a
// callback one at a time, so a report of a million records needs no more
// memory than one record.
package aggregate

import (
	"net/netip"
	"time"
)

// Schema values.
const (
	SchemaRFC7489 = "rfc7489" // version 1.0, no dmarc-2.0 namespace
	SchemaRFC9990 = "rfc9990" // dmarc-2.0 namespace or version 2.0
	SchemaDraft   = "draft"   // no version element and no namespace
)

// Report is everything in a report except its records.
type Report struct {
	Version  string // as written, "" when absent
	Schema   string
	Metadata Metadata
	Policy   Policy
	// Repairs lists, in the order met, what the parser repaired or found
	// doubtful in the report as a whole (the Repair* kinds). It is nil for
	// a report that needed nothing.
	Repairs []string
}

// Report-level repair and flag kinds (Report.Repairs).
const (
	// RepairFeedbackNotRoot: <feedback> was not the root element (wrapped
	// in, or preceded by, another element); it was read where found.
	RepairFeedbackNotRoot = "feedback_not_root"
	// RepairImplausibleDate: the date range is valid but begins before
	// DMARC existed (2012) or spans more than 366 days. Flagged, not changed.
	RepairImplausibleDate = "implausible_date"
	// Aliases are "alias_" + the misspelt element name (see aliases).
)

// Record-level warning kinds (Record.Warnings).
const (
	// WarnInvalidSourceIP: source_ip is not an IP address; its text is
	// kept in Record.SourceAddress and the record is kept.
	WarnInvalidSourceIP = "invalid_source_ip"
	// WarnMissingSourceIP: the record has no source_ip, or an empty one.
	WarnMissingSourceIP = "missing_source_ip"
)

// Metadata is report_metadata. Strings are trimmed of surrounding white space.
type Metadata struct {
	OrgName          string
	Email            string
	ExtraContactInfo string
	ReportID         string // as written, decoration such as <...@host> kept
	Begin, End       time.Time
	Errors           []string
	Generator        string
}

// Policy is policy_published. Values are lower-cased. Pct is nil when absent.
type Policy struct {
	Domain, ADKIM, ASPF, P, SP, NP string
	Pct                            *int
	FO, Testing, DiscoveryMethod   string
}

// Record is one record. Result values are lower-cased.
type Record struct {
	SourceIP netip.Addr // invalid when the report's source_ip is not an address
	// SourceAddress is the source_ip text as written when it is not an
	// IP address ("" when SourceIP is valid or source_ip was empty).
	SourceAddress string
	Count         int64
	Disposition   string
	DKIM, SPF     string // policy_evaluated
	Reasons       []Reason
	HeaderFrom    string
	EnvelopeFrom  string
	EnvelopeTo    string
	DKIMResults   []DKIMResult
	SPFResults    []SPFResult
	// Warnings lists the record's problems that did not make it unusable
	// (the Warn* kinds and "alias_" + a misspelt element name); nil when
	// none.
	Warnings []string
}

// Reason is policy_evaluated/reason.
type Reason struct{ Type, Comment string }

// DKIMResult is auth_results/dkim.
type DKIMResult struct{ Domain, Selector, Result, HumanResult string }

// SPFResult is auth_results/spf.
type SPFResult struct{ Domain, Scope, Result, HumanResult string }
