package opensearch

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
)

// Indices returns the names of the open and closed indices matching a
// wildcard pattern (none is no error). It serves retention.Cluster.
func (o *Output) Indices(ctx context.Context, pattern string) ([]string, error) {
	res, err := o.do(ctx, http.MethodGet, "/_cat/indices/"+url.PathEscape(pattern)+"?format=json&h=index&expand_wildcards=open,closed", nil)
	if err != nil {
		return nil, fmt.Errorf("listing indices %s: %w", pattern, err)
	}
	if res.status == http.StatusNotFound {
		return nil, nil
	}
	if res.status != http.StatusOK {
		return nil, fmt.Errorf("listing indices %s: %s", pattern, res.errorText())
	}
	var rows []struct {
		Index string `json:"index"`
	}
	if err := json.Unmarshal(res.body, &rows); err != nil {
		return nil, fmt.Errorf("listing indices %s: %w", pattern, err)
	}
	names := make([]string, 0, len(rows))
	for _, r := range rows {
		names = append(names, r.Index)
	}
	return names, nil
}

// DeleteIndex deletes one index by its exact name (never a pattern: the
// name is escaped, and wildcards are refused). A missing index is no error.
func (o *Output) DeleteIndex(ctx context.Context, name string) error {
	res, err := o.do(ctx, http.MethodDelete, "/"+url.PathEscape(name)+"?expand_wildcards=none&allow_no_indices=false", nil)
	if err != nil {
		return fmt.Errorf("deleting index %s: %w", name, err)
	}
	if res.status != http.StatusOK && res.status != http.StatusNotFound {
		return fmt.Errorf("deleting index %s: %s", name, res.errorText())
	}
	return nil
}
