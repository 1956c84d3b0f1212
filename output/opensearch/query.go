package opensearch

import (
	"context"
	"fmt"
	"net/http"
)

// Searcher runs read-only search requests (the owner's report uses it for
// aggregation queries) with the same connection settings as the output:
// credentials, TLS verification, SigV4.
type Searcher struct{ o *Output }

// NewSearcher builds a Searcher from cfg. It does not contact the cluster.
func NewSearcher(ctx context.Context, cfg Config) (*Searcher, error) {
	c, err := newClient(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return &Searcher{o: &Output{client: c}}, nil
}

// Search posts body to <index>/_search and returns the answer's body; an
// answer other than 200 is an error that quotes it.
func (s *Searcher) Search(ctx context.Context, index string, body []byte) ([]byte, error) {
	// index is a pattern built from a validated prefix (letters, digits, - _ .) and "*".
	res, err := s.o.do(ctx, http.MethodPost, "/"+index+"/_search", body)
	if err != nil {
		return nil, err
	}
	if res.status != http.StatusOK {
		return nil, fmt.Errorf("searching %s: %s", index, res.errorText())
	}
	return res.body, nil
}
