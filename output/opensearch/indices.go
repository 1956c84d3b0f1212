package opensearch

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"
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

// DeleteBefore deletes the documents of index (an exact name) whose
// @timestamp is before t, or with dryRun counts them, and returns how many.
// A missing index holds none. It serves retention.Cluster for the
// dead-letter index; version conflicts (an entry rewritten meanwhile) are
// skipped, to be deleted by the next pass.
func (o *Output) DeleteBefore(ctx context.Context, index string, t time.Time, dryRun bool) (int64, error) {
	query, _ := json.Marshal(map[string]any{"query": map[string]any{"range": map[string]any{
		"@timestamp": map[string]any{"lt": t.UTC().Format(time.RFC3339Nano)},
	}}})
	path := "/" + url.PathEscape(index) + "/_delete_by_query?conflicts=proceed&refresh=true&expand_wildcards=none"
	what := "deleting old entries of"
	if dryRun {
		path = "/" + url.PathEscape(index) + "/_count?expand_wildcards=none"
		what = "counting old entries of"
	}
	res, err := o.do(ctx, http.MethodPost, path, query)
	if err != nil {
		return 0, fmt.Errorf("%s %s: %w", what, index, err)
	}
	if res.status == http.StatusNotFound {
		return 0, nil
	}
	if res.status != http.StatusOK {
		return 0, fmt.Errorf("%s %s: %s", what, index, res.errorText())
	}
	var ans struct {
		Count    int64             `json:"count"`
		Deleted  int64             `json:"deleted"`
		Failures []json.RawMessage `json:"failures"`
	}
	if err := json.Unmarshal(res.body, &ans); err != nil {
		return 0, fmt.Errorf("%s %s: %w", what, index, err)
	}
	if len(ans.Failures) > 0 {
		return ans.Deleted, fmt.Errorf("%s %s: %d failures, e.g. %s", what, index, len(ans.Failures), ans.Failures[0])
	}
	if dryRun {
		return ans.Count, nil
	}
	return ans.Deleted, nil
}
