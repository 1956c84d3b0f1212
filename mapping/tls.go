package mapping

import (
	"time"

	"github.com/dmarc-agent/dmarc-agent/report/tlsrpt"
)

// TLSDoc is one document per policy of an SMTP TLS report.
type TLSDoc struct {
	Timestamp time.Time `json:"@timestamp"` // report start, UTC
	TLS       TLSFields `json:"tls"`
}

// TLSFields is everything under tls.
type TLSFields struct {
	Report  TLSReport  `json:"report"`
	Policy  TLSPolicy  `json:"policy"`
	Summary TLSSummary `json:"summary"`
	Failure TLSFailure `json:"failure,omitzero"`
}

// TLSReport is the report's metadata, repeated on each policy document.
type TLSReport struct {
	OrgName     string    `json:"org_name,omitempty"`
	ID          string    `json:"id"`
	ContactInfo string    `json:"contact_info,omitempty"`
	Begin       time.Time `json:"begin"`
	End         time.Time `json:"end"`
	// Repairs lists what was repaired to read the report or this policy:
	// datetime_without_zone, policy_domain_inferred, policy_domain_missing.
	Repairs []string `json:"repairs,omitempty"`
}

// TLSPolicy is the policy the sender applied.
type TLSPolicy struct {
	Type    string   `json:"type,omitempty"`   // sts | tlsa | no-policy-found
	Domain  string   `json:"domain,omitempty"` // absent when the report gives none
	Strings []string `json:"strings,omitempty"`
	MXHost  []string `json:"mx_host,omitempty"`
}

// TLSSummary is the policy's session counts.
type TLSSummary struct {
	Successful int64 `json:"successful"`
	Failed     int64 `json:"failed"`
	Total      int64 `json:"total"` // successful + failed
}

// TLSFailure flattens failure-details into parallel scalar arrays: index i
// of each array describes the same detail; a missing value is "".
type TLSFailure struct {
	ResultTypes           []string `json:"result_types,omitempty"`
	SendingMTAIPs         []string `json:"sending_mta_ips,omitempty"`
	ReceivingMXHostnames  []string `json:"receiving_mx_hostnames,omitempty"`
	ReceivingMXHelos      []string `json:"receiving_mx_helos,omitempty"`
	ReceivingIPs          []string `json:"receiving_ips,omitempty"`
	Counts                []int64  `json:"counts,omitempty"`
	ReasonCodes           []string `json:"reason_codes,omitempty"`
	AdditionalInformation []string `json:"additional_information,omitempty"`
	// Details is the number of failure details; Total the sum of Counts
	// (it may differ from summary.failed when a reporter lists only some).
	Details int64 `json:"details,omitempty"`
	Total   int64 `json:"total,omitempty"`
}

// TLSEntry is one document with where it goes.
type TLSEntry struct {
	Doc   *TLSDoc
	Index string
	ID    string
}

// BuildTLS turns a report into one document per policy, in the index of the
// report's start month. Ids depend on the report's content only: organisation,
// report id, date range, the policy and its position in the report.
func BuildTLS(prefix string, rep *tlsrpt.Report) []TLSEntry {
	index := IndexName(prefix, KindSMTPTLS, rep.Start)
	out := make([]TLSEntry, 0, len(rep.Policies))
	for i, p := range rep.Policies {
		doc := &TLSDoc{
			Timestamp: rep.Start.UTC(),
			TLS: TLSFields{
				Report: TLSReport{
					OrgName: rep.OrgName, ID: rep.ReportID, ContactInfo: rep.ContactInfo,
					Begin: rep.Start.UTC(), End: rep.End.UTC(),
					Repairs: tlsRepairs(rep.Repairs, p.Repairs),
				},
				Policy:  TLSPolicy{Type: p.Type, Domain: p.Domain, Strings: p.Strings, MXHost: p.MXHosts},
				Summary: TLSSummary{Successful: p.Successful, Failed: p.Failed, Total: p.Successful + p.Failed},
			},
		}
		f := &doc.TLS.Failure
		for _, d := range p.Failures {
			f.ResultTypes = append(f.ResultTypes, d.ResultType)
			f.SendingMTAIPs = append(f.SendingMTAIPs, d.SendingMTAIP)
			f.ReceivingMXHostnames = append(f.ReceivingMXHostnames, d.ReceivingMXHostname)
			f.ReceivingMXHelos = append(f.ReceivingMXHelos, d.ReceivingMXHelo)
			f.ReceivingIPs = append(f.ReceivingIPs, d.ReceivingIP)
			f.Counts = append(f.Counts, d.FailedSessionCount)
			f.ReasonCodes = append(f.ReasonCodes, d.FailureReasonCode)
			f.AdditionalInformation = append(f.AdditionalInformation, d.AdditionalInformation)
			f.Details++
			f.Total += d.FailedSessionCount
		}
		id := NewIDBuilder(KindSMTPTLS).
			String(rep.OrgName).String(rep.ReportID).
			Int(rep.Start.Unix()).Int(rep.End.Unix()).Int(int64(i)).
			String(p.Type).String(p.Domain).Strings(p.Strings).Strings(p.MXHosts).Sum()
		out = append(out, TLSEntry{Doc: doc, Index: index, ID: id})
	}
	return out
}

func tlsRepairs(report, policy []string) []string {
	if len(report)+len(policy) == 0 {
		return nil
	}
	return append(append([]string(nil), report...), policy...)
}
