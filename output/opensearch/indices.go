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
// dead-letter index. It searches and bulk-deletes by id, page by page,
// rather than _delete_by_query, which lives in a module (reindex) that
// minimal Elasticsearch distributions leave out.
func (o *Output) DeleteBefore(ctx context.Context, index string, t time.Time, dryRun bool) (int64, error) {
	rng := map[string]any{"range": map[string]any{"@timestamp": map[string]any{"lt": t.UTC().Format(time.RFC3339Nano)}}}
	path := "/" + url.PathEscape(index)
	if dryRun {
		var ans struct {
			Count int64 `json:"count"`
		}
		found, err := o.post(ctx, path+"/_count?expand_wildcards=none", map[string]any{"query": rng}, &ans)
		if err != nil || !found {
			return 0, err
		}
		return ans.Count, nil
	}
	var deleted int64
	for {
		var page struct {
			Hits struct {
				Hits []struct {
					ID string `json:"_id"`
				} `json:"hits"`
			} `json:"hits"`
		}
		found, err := o.post(ctx, path+"/_search?expand_wildcards=none&filter_path=hits.hits._id",
			map[string]any{"size": deletePage, "_source": false, "sort": []string{"_doc"}, "query": rng}, &page)
		if err != nil || !found || len(page.Hits.Hits) == 0 {
			return deleted, err
		}
		var body []byte
		for _, h := range page.Hits.Hits {
			line, _ := json.Marshal(map[string]any{"delete": map[string]string{"_index": index, "_id": h.ID}})
			body = append(append(body, line...), '\n')
		}
		res, err := o.do(ctx, http.MethodPost, "/_bulk?refresh=true&filter_path=errors,items.*.status,items.*.error", body)
		if err != nil {
			return deleted, fmt.Errorf("deleting entries of %s: %w", index, err)
		}
		if res.status != http.StatusOK {
			return deleted, fmt.Errorf("deleting entries of %s: %s", index, res.errorText())
		}
		results, err := parseBulk(res.body, len(page.Hits.Hits))
		if err != nil {
			return deleted, fmt.Errorf("deleting entries of %s: %w", index, err)
		}
		n := int64(len(page.Hits.Hits))
		for _, r := range results { // nil when none failed
			if r.status != http.StatusOK && r.status != http.StatusNotFound {
				return deleted, fmt.Errorf("deleting entries of %s: HTTP %d: %s", index, r.status, r.reason())
			}
		}
		deleted += n
	}
}

// deletePage is how many entries one search-and-delete round removes.
const deletePage = 1000

// post sends a JSON query to path and decodes the answer into v; found is
// false when the index does not exist.
func (o *Output) post(ctx context.Context, path string, query, v any) (found bool, err error) {
	body, _ := json.Marshal(query)
	res, err := o.do(ctx, http.MethodPost, path, body)
	if err != nil {
		return false, fmt.Errorf("POST %s: %w", path, err)
	}
	if res.status == http.StatusNotFound {
		return false, nil
	}
	if res.status != http.StatusOK {
		return false, fmt.Errorf("POST %s: %s", path, res.errorText())
	}
	if err := json.Unmarshal(res.body, v); err != nil {
		return false, fmt.Errorf("POST %s: %w", path, err)
	}
	return true, nil
}
