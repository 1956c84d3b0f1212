package output

import (
	"context"
	"iter"
)

// Discard acknowledges every document as indexed and keeps none: `ingest
// --discard` and the benchmarks use it to measure decoding, parsing,
// enrichment and encoding alone.
type Discard struct{}

func (Discard) Write(_ context.Context, docs iter.Seq2[Doc, error]) (Result, error) {
	var res Result
	for _, err := range docs {
		if err != nil {
			return res, err
		}
		res.Indexed++
	}
	return res, nil
}

// DrainsAtOnce implements Streaming.
func (Discard) DrainsAtOnce() {}

func (Discard) Ready(context.Context) error { return nil }
func (Discard) Close(context.Context) error { return nil }
