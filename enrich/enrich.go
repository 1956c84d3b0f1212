// Package enrich adds what an IP address alone does not say: country, city,
// AS, reverse DNS, the named sending service, and a verdict per record.
package enrich

import (
	"context"

	"github.com/dmarc-agent/dmarc-agent/mapping"
)

// Enricher fills enrichment fields in place. It never fails: data it cannot
// find is left empty. Calls are batched so that uncached reverse-DNS lookups
// of a batch run concurrently, bounded, within the configured time budget.
type Enricher interface {
	// Aggregate fills Source enrichment and DMARC.Verdict of each document.
	Aggregate(ctx context.Context, docs []*mapping.AggregateDoc)
	// Sources fills enrichment of sources seen in other report kinds.
	Sources(ctx context.Context, srcs []*mapping.Source)
	// Close releases databases and background work.
	Close() error
}
