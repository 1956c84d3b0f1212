// Package testcluster gives integration tests the real nodes that
// scripts/opensearch-dev.sh and scripts/elasticsearch-dev.sh start: their
// URLs (or a skip, or a failure when DMARC_AGENT_REQUIRE_OPENSEARCH=1 or
// DMARC_AGENT_REQUIRE_ELASTICSEARCH=1), a subtest per engine (Run), a
// per-test index prefix that is cleaned up, and a plain JSON request helper.
package testcluster

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dmarc-agent/dmarc-agent/mapping"
)

// URL returns OPENSEARCH_URL without a trailing slash, or skips the test
// without it; with DMARC_AGENT_REQUIRE_OPENSEARCH=1 the skip is a failure.
func URL(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv("OPENSEARCH_URL")
	if u == "" {
		if os.Getenv("DMARC_AGENT_REQUIRE_OPENSEARCH") == "1" {
			tb.Fatal("OPENSEARCH_URL is not set and DMARC_AGENT_REQUIRE_OPENSEARCH=1: start a node with scripts/opensearch-dev.sh start")
		}
		tb.Skip("integration test: set OPENSEARCH_URL (scripts/opensearch-dev.sh start prints it)")
	}
	return strings.TrimRight(u, "/")
}

// Prefix returns an index prefix unique to this test and deletes its indices
// and templates when the test ends.
func Prefix(tb testing.TB, base string) string {
	tb.Helper()
	p := fmt.Sprintf("it-%s-%d", strings.ToLower(strings.ReplaceAll(tb.Name(), "/", "-")), time.Now().UnixNano()%1e9)
	tb.Cleanup(func() {
		// by name: Elasticsearch 8+ refuses to delete by wildcard
		// (action.destructive_requires_name)
		if names := Indices(tb, base, p+"-*"); len(names) > 0 {
			Do(tb, base, http.MethodDelete, "/"+strings.Join(names, ","), "")
		}
		for _, k := range mapping.Kinds() {
			Do(tb, base, http.MethodDelete, "/_index_template/"+mapping.TemplateName(p, k), "")
		}
		Do(tb, base, http.MethodDelete, "/_index_template/"+p+"-dead-letter", "")
	})
	return p
}

// Do sends one request and decodes a JSON object answer. A status of 300 or
// more fails the test, except for DELETE (cleaning up what may not exist).
func Do(tb testing.TB, base, method, path, body string) map[string]any {
	tb.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var m map[string]any
	if len(b) > 0 && b[0] == '{' {
		if err := json.Unmarshal(b, &m); err != nil {
			tb.Fatalf("%s %s: decoding %q: %v", method, path, b, err)
		}
	}
	if res.StatusCode >= 300 && method != http.MethodDelete {
		tb.Fatalf("%s %s: HTTP %d: %s", method, path, res.StatusCode, b)
	}
	return m
}

// Count refreshes the indices matching pattern and returns their document count.
func Count(tb testing.TB, base, pattern string) int {
	tb.Helper()
	Do(tb, base, http.MethodPost, "/"+pattern+"/_refresh", "")
	m := Do(tb, base, http.MethodGet, "/"+pattern+"/_count", "")
	return int(m["count"].(float64))
}

// scriptPath returns scripts/<name> of this repository.
func scriptPath(name string) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "scripts", name)
}

// Indices returns the names of the indices matching pattern, sorted.
func Indices(tb testing.TB, base, pattern string) []string {
	tb.Helper()
	res, err := http.Get(base + "/_cat/indices/" + pattern + "?format=json&h=index&expand_wildcards=open,closed")
	if err != nil {
		tb.Fatalf("listing %s: %v", pattern, err)
	}
	defer res.Body.Close()
	var rows []struct {
		Index string `json:"index"`
	}
	if err := json.NewDecoder(res.Body).Decode(&rows); err != nil {
		tb.Fatalf("listing %s: HTTP %d: %v", pattern, res.StatusCode, err)
	}
	names := make([]string, 0, len(rows))
	for _, r := range rows {
		names = append(names, r.Index)
	}
	slices.Sort(names)
	return names
}
