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
	DKIM     string   `json:"dkim,omitempty"` // aligned DKIM result: pass|fail
	SPF      string   `json:"spf,omitempty"`  // aligned SPF result: pass|fail
	Pass     bool     `json:"pass"`           // DKIM or SPF aligned pass
	Override Override `json:"override,omitzero"`
	// Verdict is set by enrichment: aligned|forwarded|misconfigured|spoofed.
	Verdict string `json:"verdict,omitempty"`
}

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
