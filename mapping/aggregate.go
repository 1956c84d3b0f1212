package mapping

import "time"

// AggregateDoc is one document per <record> of an aggregate (RUA) report:
// the record's own fields plus the report metadata and published policy.
type AggregateDoc struct {
	Timestamp   time.Time       `json:"@timestamp"` // report begin, UTC
	Report      ReportMeta      `json:"report"`
	Policy      PolicyPublished `json:"policy"`
	Source      Source          `json:"source"`
	Message     AggMessage      `json:"message"`
	DMARC       DMARCResult     `json:"dmarc"`
	Identifiers Identifiers     `json:"identifiers"`
	Auth        Auth            `json:"auth"`
	// Warnings lists this record's problems that did not make it unusable:
	// invalid_source_ip, missing_source_ip, alias_<element>.
	Warnings []string `json:"warnings,omitempty"`
}

// ReportMeta is report_metadata plus what the parser learnt about the file.
type ReportMeta struct {
	OrgName          string    `json:"org_name"`
	OrgEmail         string    `json:"org_email,omitempty"`
	ExtraContactInfo string    `json:"extra_contact_info,omitempty"`
	ID               string    `json:"id"`
	Begin            time.Time `json:"begin"`
	End              time.Time `json:"end"`
	Errors           []string  `json:"errors,omitempty"`
	Generator        string    `json:"generator,omitempty"`
	// Schema is the report format: "rfc7489" (version 1.0), "rfc9990"
	// (dmarc-2.0 namespace or version 2.0) or "draft" (no version, pre-1.0).
	Schema string `json:"schema"`
	// Repairs lists what dmarc-agent repaired or flagged in the report as a
	// whole (FIELDS.md has the table): feedback_not_root, alias_<element>,
	// implausible_date. Absent for a report read as written.
	Repairs []string `json:"repairs,omitempty"`
}

// PolicyPublished is policy_published. Pct is nil when absent (RFC 9990).
type PolicyPublished struct {
	Domain          string `json:"domain"`
	ADKIM           string `json:"adkim,omitempty"`
	ASPF            string `json:"aspf,omitempty"`
	P               string `json:"p,omitempty"`
	SP              string `json:"sp,omitempty"`
	NP              string `json:"np,omitempty"`
	Pct             *int   `json:"pct,omitempty"`
	FO              string `json:"fo,omitempty"`
	Testing         string `json:"testing,omitempty"`
	DiscoveryMethod string `json:"discovery_method,omitempty"`
}

// AggMessage holds the per-record message count and the applied disposition.
type AggMessage struct {
	Count       int64  `json:"count"`
	Disposition string `json:"disposition,omitempty"`
}

// DMARCResult is policy_evaluated plus derived fields.
type DMARCResult struct {
	// DKIM and SPF are policy_evaluated as the reporter wrote them (pass|
	// fail), absent when the report does not say: never filled in by us.
	DKIM string `json:"dkim,omitempty"`
	SPF  string `json:"spf,omitempty"`
	// Pass: DKIM or SPF aligned pass. When policy_evaluated lacks dkim or
	// spf, it is derived from auth_results (Derived is then true); nil
	// (absent) when it cannot be known. It points to a shared value: set
	// it with PassOf, never write through it.
	Pass     *bool    `json:"pass,omitempty"`
	Override Override `json:"override,omitzero"`
	// Verdict is set by enrichment: aligned|forwarded|misconfigured|spoofed.
	Verdict string `json:"verdict,omitempty"`
	// Derived is true when Pass was computed by dmarc-agent from
	// auth_results and the published adkim/aspf, not reported.
	Derived bool `json:"derived,omitempty"`
	// DerivedDKIM and DerivedSPF are the alignment results dmarc-agent
	// computed (pass|fail) for what policy_evaluated lacks; absent when
	// reported or when they cannot be known.
	DerivedDKIM string `json:"derived_dkim,omitempty"`
	DerivedSPF  string `json:"derived_spf,omitempty"`
}

var passTrue, passFalse = true, false

// PassOf returns the shared *bool for b, for DMARCResult.Pass.
func PassOf(b bool) *bool {
	if b {
		return &passTrue
	}
	return &passFalse
}

// Passed reports whether Pass is known and true.
func (r *DMARCResult) Passed() bool { return r.Pass != nil && *r.Pass }

// Override flattens policy_evaluated/reason* into parallel scalar arrays.
type Override struct {
	Types    []string `json:"types,omitempty"`
	Comments []string `json:"comments,omitempty"`
}

// Identifiers is the record's identifiers element.
type Identifiers struct {
	HeaderFrom   string `json:"header_from,omitempty"`
	EnvelopeFrom string `json:"envelope_from,omitempty"`
	EnvelopeTo   string `json:"envelope_to,omitempty"`
}

// Auth flattens auth_results into parallel scalar arrays (index i of each
// array describes the same signature or check).
type Auth struct {
	DKIM AuthDKIM `json:"dkim,omitzero"`
	SPF  AuthSPF  `json:"spf,omitzero"`
}

// AuthDKIM lists every DKIM result of the record.
type AuthDKIM struct {
	Domains      []string `json:"domains,omitempty"`
	Selectors    []string `json:"selectors,omitempty"`
	Results      []string `json:"results,omitempty"`
	HumanResults []string `json:"human_results,omitempty"`
}

// AuthSPF lists every SPF result of the record.
type AuthSPF struct {
	Domains      []string `json:"domains,omitempty"`
	Scopes       []string `json:"scopes,omitempty"`
	Results      []string `json:"results,omitempty"`
	HumanResults []string `json:"human_results,omitempty"`
}
