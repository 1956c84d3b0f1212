// Package mapping is the document model of dmarc-agent: the flattened documents
// written to OpenSearch (one struct per report kind), their deterministic ids,
// their index names, and the embedded index templates that declare every field.
//
// Documents are nested JSON objects whose arrays hold only scalars, so every
// field can be aggregated. FIELDS.md lists every field with its type.
package mapping

import "github.com/dmarc-agent/dmarc-agent/report/kind"

// Kind names a report kind; it lives in report/kind so that packages below
// the document model (decode, archive) can name kinds without importing it.
type Kind = kind.Kind

const (
	KindAggregate = kind.Aggregate
	KindFailure   = kind.Failure
	KindSMTPTLS   = kind.SMTPTLS
)
