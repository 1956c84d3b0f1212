package retention

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

var now = time.Date(2026, 11, 29, 15, 0, 0, 0, time.UTC)

func TestExpiredBoundaries(t *testing.T) {
	names := []string{
		"dmarc-aggregate-2026.06", "dmarc-aggregate-2026.07", "dmarc-aggregate-2026.08",
		"dmarc-failure-2025.12", "dmarc-smtp-tls-2026.07", "dmarc-smtp-tls-2026.11",
		// not ours: other prefixes, suffixes, kinds, month formats
		"dmarc-aggregate-2024.01-backup", "dmarc-aggregatex-2024.01", "dmarcx-aggregate-2024.01",
		"old-dmarc-aggregate-2024.01", "dmarc-aggregate-2024.1", "dmarc-aggregate-2024.13",
		"dmarc-aggregate-2024.00", "dmarc-smtp_tls-2024.01", "dmarc-aggregate-2024-01", "dmarc-retention",
	}
	for _, tc := range []struct {
		name string
		now  time.Time
		days int
		del  []string
		kept int
	}{
		// 120 days before 2026-11-29 is 2026-08-01: July has just ended long enough.
		{"july just expired", now, 120, []string{"dmarc-aggregate-2026.06", "dmarc-aggregate-2026.07", "dmarc-failure-2025.12", "dmarc-smtp-tls-2026.07"}, 2},
		// one day earlier July is kept
		{"july not yet", now.AddDate(0, 0, -1), 120, []string{"dmarc-aggregate-2026.06", "dmarc-failure-2025.12"}, 4},
		// midnight exactly counts as ended
		{"at midnight", time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC), 120, []string{"dmarc-aggregate-2026.06", "dmarc-aggregate-2026.07", "dmarc-failure-2025.12", "dmarc-smtp-tls-2026.07"}, 2},
		{"one second before", time.Date(2026, 11, 28, 23, 59, 59, 0, time.UTC), 120, []string{"dmarc-aggregate-2026.06", "dmarc-failure-2025.12"}, 4},
		{"keep forever", now, 0, nil, 6},
		{"400 days", now, 400, nil, 6},
		{"one day", now, 1, []string{"dmarc-aggregate-2026.06", "dmarc-aggregate-2026.07", "dmarc-aggregate-2026.08", "dmarc-failure-2025.12", "dmarc-smtp-tls-2026.07"}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			del, kept := Policy{Days: tc.days}.Expired(names, tc.now)
			if !slices.Equal(del, tc.del) || kept != tc.kept {
				t.Errorf("Expired = %v, kept %d; want %v, kept %d", del, kept, tc.del, tc.kept)
			}
		})
	}
}

func TestExpiredPrefixWithDots(t *testing.T) {
	del, kept := Policy{Prefix: "a.b", Days: 30}.Expired([]string{"a.b-aggregate-2020.01", "axb-aggregate-2020.01", "a.b-failure-2026.11"}, now)
	if !slices.Equal(del, []string{"a.b-aggregate-2020.01"}) || kept != 1 {
		t.Errorf("Expired = %v, kept %d", del, kept)
	}
}

// memCluster is an in-memory Cluster with wildcard listing.
type memCluster struct {
	mu      sync.Mutex
	indices map[string]bool
	failOn  string
	listErr error
	asked   []string
	entries map[string][]time.Time // documents' @timestamp by index
}

func (m *memCluster) Indices(_ context.Context, pattern string) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.asked = append(m.asked, pattern)
	if m.listErr != nil {
		return nil, m.listErr
	}
	p := strings.TrimSuffix(pattern, "*")
	var out []string
	for n := range m.indices {
		if strings.HasPrefix(n, p) {
			out = append(out, n)
		}
	}
	return out, nil
}

func (m *memCluster) DeleteIndex(_ context.Context, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if name == m.failOn {
		return errors.New("HTTP 403: forbidden")
	}
	delete(m.indices, name)
	return nil
}

func (m *memCluster) DeleteBefore(_ context.Context, index string, t time.Time, dryRun bool) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if index == m.failOn {
		return 0, errors.New("HTTP 403: forbidden")
	}
	var n int64
	kept := []time.Time{}
	for _, ts := range m.entries[index] {
		if ts.Before(t) {
			n++
		} else {
			kept = append(kept, ts)
		}
	}
	if !dryRun && m.entries[index] != nil {
		m.entries[index] = kept
	}
	return n, nil
}

func (m *memCluster) names() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for n := range m.indices {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

func newMem(names ...string) *memCluster {
	m := &memCluster{indices: map[string]bool{}}
	for _, n := range names {
		m.indices[n] = true
	}
	return m
}

func TestApplyDryRunThenDelete(t *testing.T) {
	m := newMem("dmarc-aggregate-2026.07", "dmarc-aggregate-2026.08", "dmarc-aggregate-2024.01-backup", "dmarc-failure-2020.02")
	p := Policy{Days: 120}
	res, err := Apply(t.Context(), m, p, now, true, nil)
	if err != nil || !slices.Equal(res.Deleted, []string{"dmarc-aggregate-2026.07", "dmarc-failure-2020.02"}) || res.Kept != 1 {
		t.Fatalf("dry run = %+v, %v", res, err)
	}
	if len(m.names()) != 4 {
		t.Fatalf("dry run deleted something: %v", m.names())
	}
	if got := strings.Join(res.Lines(), "\n"); got != "would delete dmarc-aggregate-2026.07\nwould delete dmarc-failure-2020.02\n2 indices would be deleted, 1 kept (months that ended before 2026-08-01)" {
		t.Errorf("dry-run lines:\n%s", got)
	}
	if !slices.Equal(m.asked, []string{"dmarc-aggregate-*", "dmarc-failure-*", "dmarc-smtp-tls-*"}) {
		t.Errorf("listed %v", m.asked)
	}
	res, err = Apply(t.Context(), m, p, now, false, nil)
	if err != nil || len(res.Deleted) != 2 {
		t.Fatalf("Apply = %+v, %v", res, err)
	}
	if got := m.names(); !slices.Equal(got, []string{"dmarc-aggregate-2024.01-backup", "dmarc-aggregate-2026.08"}) {
		t.Errorf("left %v", got)
	}
	if got := res.Lines()[2]; got != "2 indices deleted, 1 kept (months that ended before 2026-08-01)" {
		t.Errorf("summary %q", got)
	}
}

func TestApplyContinuesPastAFailedDelete(t *testing.T) {
	m := newMem("dmarc-aggregate-2020.01", "dmarc-aggregate-2020.02", "dmarc-aggregate-2020.03")
	m.failOn = "dmarc-aggregate-2020.02"
	res, err := Apply(t.Context(), m, Policy{Days: 30}, now, false, nil)
	if err == nil || err.Error() != "deleting index dmarc-aggregate-2020.02: HTTP 403: forbidden" {
		t.Fatalf("err = %v", err)
	}
	if !slices.Equal(res.Deleted, []string{"dmarc-aggregate-2020.01", "dmarc-aggregate-2020.03"}) || res.Kept != 1 {
		t.Errorf("result %+v", res)
	}
}

func TestApplyListingFails(t *testing.T) {
	m := newMem("dmarc-aggregate-2020.01")
	m.listErr = errors.New("connection refused")
	if _, err := Apply(t.Context(), m, Policy{Days: 30}, now, false, nil); err == nil || err.Error() != "listing aggregate indices: connection refused" {
		t.Fatalf("err = %v", err)
	}
	if len(m.names()) != 1 {
		t.Error("deleted although listing failed")
	}
}

func TestEveryRunsAtOnceThenDaily(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		var at []time.Duration
		start := time.Now()
		done := make(chan struct{})
		go func() {
			Every(ctx, 24*time.Hour, func(context.Context) { at = append(at, time.Since(start)) })
			close(done)
		}()
		time.Sleep(72*time.Hour + time.Minute)
		synctest.Wait()
		cancel()
		<-done
		if want := []time.Duration{0, 24 * time.Hour, 48 * time.Hour, 72 * time.Hour}; !slices.Equal(at, want) {
			t.Errorf("checks at %v, want %v", at, want)
		}
	})
}

// TestDeadLetterEntriesExpire: the dead-letter index is one index; its
// entries refused before the cutoff are deleted, the newer ones kept, and
// the dry run only counts them.
func TestDeadLetterEntriesExpire(t *testing.T) {
	m := newMem("dmarc-aggregate-2026.07", "dmarc-dead-letter")
	cutoff := now.AddDate(0, 0, -120)
	m.entries = map[string][]time.Time{"dmarc-dead-letter": {
		cutoff.Add(-time.Second), cutoff.AddDate(-1, 0, 0), cutoff, cutoff.Add(time.Hour), now,
	}}
	p := Policy{Days: 120, DeadLetter: "dmarc-dead-letter"}
	res, err := Apply(t.Context(), m, p, now, true, nil)
	if err != nil || res.DeadLetter != 2 || len(m.entries["dmarc-dead-letter"]) != 5 {
		t.Fatalf("dry run = %+v, %v; %d entries left, want 2 counted and 5 left", res, err, len(m.entries["dmarc-dead-letter"]))
	}
	if got := res.Lines()[len(res.Lines())-1]; got != "2 dead-letter entries would be deleted (refused before 2026-08-01)" {
		t.Errorf("dry-run line %q", got)
	}
	res, err = Apply(t.Context(), m, p, now, false, nil)
	if err != nil || res.DeadLetter != 2 || len(m.entries["dmarc-dead-letter"]) != 3 {
		t.Fatalf("Apply = %+v, %v; %d entries left, want 2 deleted and 3 left", res, err, len(m.entries["dmarc-dead-letter"]))
	}
	if got := res.Lines()[len(res.Lines())-1]; got != "2 dead-letter entries deleted (refused before 2026-08-01)" {
		t.Errorf("line %q", got)
	}
	// Days 0 keeps everything, dead letters included.
	m.entries["dmarc-dead-letter"] = []time.Time{cutoff.AddDate(-5, 0, 0)}
	if res, err = Apply(t.Context(), m, Policy{DeadLetter: "dmarc-dead-letter"}, now, false, nil); err != nil || res.DeadLetter != 0 || len(m.entries["dmarc-dead-letter"]) != 1 {
		t.Errorf("keep forever: %+v, %v", res, err)
	}
	// A failure is reported, and the report indices are still handled.
	m.failOn = "dmarc-dead-letter"
	m.indices["dmarc-aggregate-2026.07"] = true
	res, err = Apply(t.Context(), m, p, now, false, nil)
	if err == nil || !strings.Contains(err.Error(), "dead-letter entries of dmarc-dead-letter: HTTP 403") || !slices.Equal(res.Deleted, []string{"dmarc-aggregate-2026.07"}) {
		t.Errorf("failing dead letter: %+v, %v", res, err)
	}
}
