package retention_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/dmarc-agent/dmarc-agent/internal/testcluster"
	"github.com/dmarc-agent/dmarc-agent/output/opensearch"
	"github.com/dmarc-agent/dmarc-agent/retention"
)

// TestIntegrationRetention creates aggregate indices for 14 months
// (2025.10 to 2026.11), a failure index and indices with similar but foreign
// names, then applies a 120-day retention at 2026-11-29: a dry run deletes
// nothing; the real pass deletes exactly the ten months that ended before
// 2026-08-01 and the old failure index, and nothing else.
func TestIntegrationRetention(t *testing.T) {
	testcluster.Run(t, func(t *testing.T, c testcluster.Cluster) {
		prefix := testcluster.Prefix(t, c.URL)
		var all []string
		for m := range 14 {
			all = append(all, fmt.Sprintf("%s-aggregate-%s", prefix, time.Date(2025, 10+time.Month(m), 1, 0, 0, 0, 0, time.UTC).Format("2006.01")))
		}
		all = append(all, prefix+"-failure-2026.01", prefix+"-smtp-tls-2026.11",
			prefix+"-aggregate-2024.01-backup", prefix+"-aggregatex-2024.01", prefix+"-aggregate-2024.1", prefix+"-aggregate-old")
		for _, n := range all {
			testcluster.Do(t, c.URL, http.MethodPut, "/"+n, `{"settings":{"number_of_shards":1,"number_of_replicas":0}}`)
		}
		slices.Sort(all)
		if got := testcluster.Indices(t, c.URL, prefix+"-*"); !slices.Equal(got, all) {
			t.Fatalf("created %v, want %v", got, all)
		}

		cfg := opensearch.DefaultConfig()
		cfg.URLs = []string{c.URL}
		o, err := opensearch.New(t.Context(), cfg, prefix, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer o.Close(context.Background())

		var want []string
		for _, m := range []string{"2025.10", "2025.11", "2025.12", "2026.01", "2026.02", "2026.03", "2026.04", "2026.05", "2026.06", "2026.07"} {
			want = append(want, prefix+"-aggregate-"+m)
		}
		want = append(want, prefix+"-failure-2026.01")
		slices.Sort(want)

		p := retention.Policy{Prefix: prefix, Days: 120}
		at := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
		res, err := retention.Apply(t.Context(), o, p, at, true, nil)
		if err != nil || !slices.Equal(res.Deleted, want) || res.Kept != 5 {
			t.Fatalf("dry run = %+v, %v; want %v and 5 kept", res, err, want)
		}
		if got := testcluster.Indices(t, c.URL, prefix+"-*"); !slices.Equal(got, all) {
			t.Fatalf("the dry run deleted %v", diff(all, got))
		}

		res, err = retention.Apply(t.Context(), o, p, at, false, nil)
		if err != nil || !slices.Equal(res.Deleted, want) || res.Kept != 5 {
			t.Fatalf("Apply = %+v, %v; want %v deleted and 5 kept", res, err, want)
		}
		left := []string{prefix + "-aggregate-2024.01-backup", prefix + "-aggregate-2024.1", prefix + "-aggregate-2026.08",
			prefix + "-aggregate-2026.09", prefix + "-aggregate-2026.10", prefix + "-aggregate-2026.11",
			prefix + "-aggregate-old", prefix + "-aggregatex-2024.01", prefix + "-smtp-tls-2026.11"}
		if got := testcluster.Indices(t, c.URL, prefix+"-*"); !slices.Equal(got, left) {
			t.Fatalf("left %v, want %v", got, left)
		}
		// a second pass finds nothing more
		if res, err = retention.Apply(t.Context(), o, p, at, false, nil); err != nil || len(res.Deleted) != 0 || res.Kept != 5 {
			t.Fatalf("second Apply = %+v, %v", res, err)
		}
	})
}

func diff(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}
