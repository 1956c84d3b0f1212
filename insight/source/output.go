// Package source fills insight.Facts: from the documents the pipeline
// builds in memory, from NDJSON files written by `ingest --out`, or from
// the agent's OpenSearch / Elasticsearch indices with aggregation queries.
package source

import (
	"context"
	"iter"

	"github.com/dmarc-agent/dmarc-agent/insight"
	"github.com/dmarc-agent/dmarc-agent/output"
)

// Output is a pipeline output that writes nothing: it hands every document
// to a Collector. A document it cannot read is refused (listed as failed),
// never dropped silently.
type Output struct{ C *insight.Collector }

// Write adds each document to the collector.
func (o Output) Write(_ context.Context, docs iter.Seq2[output.Doc, error]) (output.Result, error) {
	var res output.Result
	for d, err := range docs {
		if err != nil {
			return res, err
		}
		if err := o.C.Add(d.Index, d.ID, d.Body); err != nil {
			res.Failed = append(res.Failed, output.Failure{Index: d.Index, ID: d.ID, Reason: err.Error()})
			continue
		}
		res.Indexed++
	}
	return res, nil
}

// Ready always succeeds.
func (Output) Ready(context.Context) error { return nil }

// Close does nothing.
func (Output) Close(context.Context) error { return nil }
