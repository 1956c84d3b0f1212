// Package kind names the three report kinds and the classes of input that
// cannot be read as a report. It imports nothing of dmarc-agent, so that the
// decoder, the archive and the sources can share these names without
// depending on the document model (mapping).
package kind

// Kind names a report kind. It is also the middle part of index names
// (<prefix>-<kind>-YYYY.MM) and the key used in summaries.
type Kind string

const (
	Aggregate Kind = "aggregate"
	Failure   Kind = "failure"
	SMTPTLS   Kind = "smtp_tls"
)

// IndexKind is the kind as it appears in index names: smtp_tls becomes smtp-tls.
func (k Kind) IndexKind() string {
	if k == SMTPTLS {
		return "smtp-tls"
	}
	return string(k)
}
