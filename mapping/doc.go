// Package mapping is the document model of dmarc-agent: the flattened documents
// written to OpenSearch (one struct per report kind), their deterministic ids,
// their index names, and the embedded index templates that declare every field.
//
// Documents are nested JSON objects whose arrays hold only scalars, so every
// field can be aggregated. FIELDS.md lists every field with its type.
package mapping

// Kind names a report kind. It is also the middle part of index names
// (<prefix>-<kind>-YYYY.MM) and the key used in summaries.
type Kind string

const (
	KindAggregate Kind = "aggregate"
	KindFailure   Kind = "failure"
	KindSMTPTLS   Kind = "smtp_tls"
)

// IndexKind is the kind as it appears in index names: smtp_tls becomes smtp-tls.
func (k Kind) IndexKind() string {
	if k == KindSMTPTLS {
		return "smtp-tls"
	}
	return string(k)
}
