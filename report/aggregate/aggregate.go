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
}

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
	SourceIP     netip.Addr
	Count        int64
	Disposition  string
	DKIM, SPF    string // policy_evaluated
	Reasons      []Reason
	HeaderFrom   string
	EnvelopeFrom string
	EnvelopeTo   string
	DKIMResults  []DKIMResult
	SPFResults   []SPFResult
}

// Reason is policy_evaluated/reason.
type Reason struct{ Type, Comment string }

// DKIMResult is auth_results/dkim.
type DKIMResult struct{ Domain, Selector, Result, HumanResult string }

// SPFResult is auth_results/spf.
type SPFResult struct{ Domain, Scope, Result, HumanResult string }
