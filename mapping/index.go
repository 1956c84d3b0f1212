package mapping

import (
	"regexp"
	"time"
)

// DefaultPrefix is the index prefix when none is configured.
const DefaultPrefix = "dmarc"

var prefixRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]*$`)

// ValidPrefix reports whether p can start an index name: lower-case letters,
// digits, '-', '_' and '.', not starting with a punctuation mark.
func ValidPrefix(p string) bool { return prefixRE.MatchString(p) }

// IndexName returns <prefix>-<kind>-YYYY.MM for the month of t in UTC. t is
// always a date from the report itself (begin of its range, or arrival date
// for failure reports), never the ingest time, so a re-sent report lands in
// the same index and its deterministic ids deduplicate it.
func IndexName(prefix string, kind Kind, t time.Time) string {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	return prefix + "-" + kind.IndexKind() + "-" + t.UTC().Format("2006.01")
}

// IndexPattern returns the pattern matching every index of a kind.
func IndexPattern(prefix string, kind Kind) string {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	return prefix + "-" + kind.IndexKind() + "-*"
}
