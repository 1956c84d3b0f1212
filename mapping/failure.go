package mapping

import (
	"time"

	"github.com/dmarc-agent/dmarc-agent/report/failure"
)

// FailureDoc is one document per failure (forensic) report.
type FailureDoc struct {
	Timestamp   time.Time          `json:"@timestamp"` // failure.Report.Time(): arrival date, else report/original Date, else received; UTC
	Failure     FailureInfo        `json:"failure"`
	Source      Source             `json:"source"` // the sending IP; enriched like aggregate sources
	Identifiers FailureIdentifiers `json:"identifiers,omitzero"`
	Message     FailureMessage     `json:"message,omitzero"`
	Auth        FailureAuth        `json:"auth,omitzero"`
	Reporter    Reporter           `json:"reporter,omitzero"`
}

// FailureInfo holds the feedback fields of the report.
type FailureInfo struct {
	FeedbackType      string    `json:"feedback_type"`
	Format            string    `json:"format"` // arf | text (plain-text report without an ARF part)
	Version           string    `json:"version,omitempty"`
	AuthFailure       []string  `json:"auth_failure,omitempty"`
	IdentityAlignment []string  `json:"identity_alignment,omitempty"`
	DeliveryResult    string    `json:"delivery_result,omitempty"`
	ReportedDomain    string    `json:"reported_domain"`
	ArrivalDate       time.Time `json:"arrival_date,omitzero"` // absent when the report had none
	Incidents         int64     `json:"incidents,omitempty"`
	OriginalMailFrom  string    `json:"original_mail_from,omitempty"`
	// OriginalRcptTo holds keyed hashes unless store_recipients is on.
	OriginalRcptTo     []string `json:"original_rcpt_to,omitempty"`
	OriginalEnvelopeID string   `json:"original_envelope_id,omitempty"`
	ReportedURI        []string `json:"reported_uri,omitempty"`
	// Repairs lists what was repaired to read the report:
	// feedback_outside_report, text_report_layout.
	Repairs []string `json:"repairs,omitempty"`
}

// FailureIdentifiers are the domains of the failed message, as in aggregate
// documents.
type FailureIdentifiers struct {
	HeaderFrom   string `json:"header_from,omitempty"`   // domain of the original From
	EnvelopeFrom string `json:"envelope_from,omitempty"` // domain of Original-Mail-From
}

// FailureMessage is what the report shows of the failed message.
type FailureMessage struct {
	Subject   string    `json:"subject,omitempty"`
	MessageID string    `json:"message_id,omitempty"`
	Date      time.Time `json:"date,omitzero"`
	From      string    `json:"from,omitempty"`
	To        []string  `json:"to,omitempty"`   // To and Cc; keyed hashes unless store_recipients
	FullCopy  bool      `json:"full_copy"`      // the report carried the whole message, not only headers
	Body      string    `json:"body,omitempty"` // only with store_body
}

// FailureAuth holds the DKIM and SPF details and the receiver's verdicts.
type FailureAuth struct {
	Results []string    `json:"results,omitempty"` // Authentication-Results
	DKIM    FailureDKIM `json:"dkim,omitzero"`
	SPF     FailureSPF  `json:"spf,omitzero"`
}

// FailureDKIM is the DKIM-* fields.
type FailureDKIM struct {
	// Domain lists every DKIM-Domain value (repeated fields and lists).
	Domain   []string `json:"domain,omitempty"`
	Identity string   `json:"identity,omitempty"`
	Selector string   `json:"selector,omitempty"`
	// The canonicalized header and body (base64) hold the original headers
	// and body; only with store_body.
	CanonicalizedHeader string `json:"canonicalized_header,omitempty"`
	CanonicalizedBody   string `json:"canonicalized_body,omitempty"`
}

// FailureSPF is the SPF-DNS fields.
type FailureSPF struct {
	DNS []string `json:"dns,omitempty"`
}

// Reporter is who sent the report.
type Reporter struct {
	MTA       string `json:"mta,omitempty"`        // Reporting-MTA
	UserAgent string `json:"user_agent,omitempty"` // User-Agent
	Email     string `json:"email,omitempty"`      // From of the report message
	Domain    string `json:"domain,omitempty"`     // domain of Email
}

// BuildFailure turns a failure report into its document, index and id.
// Personal data follows cfg: recipient addresses are keyed hashes unless
// cfg.StoreRecipients; the original body and DKIM canonicalized data are
// dropped unless cfg.StoreBody.
//
// The id depends on the report's content only (never on the container, line
// ends or when it was received), so the same report ingested twice is one
// document. Recipients enter the id as keyed hashes whatever
// cfg.StoreRecipients says; changing hash_key changes ids.
func BuildFailure(prefix string, rep *failure.Report, cfg failure.Config) (doc *FailureDoc, index, id string) {
	rcpt := make([]string, len(rep.OriginalRcptTo))
	rcptHash := make([]string, len(rep.OriginalRcptTo))
	for i, a := range rep.OriginalRcptTo {
		rcpt[i], rcptHash[i] = cfg.Recipient(a), cfg.HashAddress(a)
	}
	to := make([]string, len(rep.Original.To))
	toHash := make([]string, len(rep.Original.To))
	for i, a := range rep.Original.To {
		to[i], toHash[i] = cfg.Recipient(a), cfg.HashAddress(a)
	}
	doc = &FailureDoc{
		Timestamp: rep.Time(),
		Failure: FailureInfo{
			FeedbackType:       rep.FeedbackType,
			Format:             rep.Format,
			Version:            rep.Version,
			AuthFailure:        rep.AuthFailure,
			IdentityAlignment:  rep.IdentityAlignment,
			DeliveryResult:     rep.DeliveryResult,
			ReportedDomain:     rep.ReportedDomain,
			ArrivalDate:        rep.ArrivalDate.UTC(),
			Incidents:          rep.Incidents,
			OriginalMailFrom:   rep.OriginalMailFrom,
			OriginalRcptTo:     failureList(rcpt),
			OriginalEnvelopeID: rep.OriginalEnvelopeID,
			ReportedURI:        rep.ReportedURI,
			Repairs:            rep.Repairs,
		},
		Source: Source{IP: rep.SourceIP.String()},
		Identifiers: FailureIdentifiers{
			HeaderFrom:   rep.HeaderFrom(),
			EnvelopeFrom: rep.EnvelopeFrom(),
		},
		Message: FailureMessage{
			Subject:   rep.Original.Subject,
			MessageID: rep.Original.MessageID,
			Date:      rep.Original.Date.UTC(),
			From:      rep.Original.From,
			To:        failureList(to),
			FullCopy:  rep.Original.HasBody,
		},
		Auth: FailureAuth{
			Results: rep.AuthenticationResults,
			DKIM:    FailureDKIM{Domain: rep.DKIMDomains, Identity: rep.DKIMIdentity, Selector: rep.DKIMSelector},
			SPF:     FailureSPF{DNS: rep.SPFDNS},
		},
		Reporter: Reporter{MTA: rep.ReportingMTA, UserAgent: rep.UserAgent, Email: rep.ReportFrom, Domain: rep.ReporterDomain()},
	}
	if cfg.StoreBody {
		doc.Message.Body = rep.Original.Body
		doc.Auth.DKIM.CanonicalizedHeader = rep.DKIMCanonicalizedHeader
		doc.Auth.DKIM.CanonicalizedBody = rep.DKIMCanonicalizedBody
	}

	dated := rep.ArrivalDate
	if dated.IsZero() {
		dated = rep.ReportDate
	}
	b := NewIDBuilder(KindFailure).
		String(rep.ReportFrom).String(rep.ReportingMTA).String(rep.UserAgent).
		String(failureTimeKey(dated)).String(doc.Source.IP).String(rep.ReportedDomain).
		String(rep.FeedbackType).Strings(rep.AuthFailure).Strings(rep.IdentityAlignment).
		String(rep.DeliveryResult).String(rep.OriginalMailFrom).Strings(rcptHash).
		String(rep.Original.MessageID).String(rep.Original.Subject).String(rep.Original.From).
		Strings(toHash).String(failureTimeKey(rep.Original.Date)).
		String(rep.DKIMDomain).String(rep.DKIMSelector)
	return doc, IndexName(prefix, KindFailure, doc.Timestamp), b.Sum()
}

func failureTimeKey(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func failureList(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}
