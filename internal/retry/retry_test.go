package retry

import (
	"testing"
	"time"
)

func TestBackoffBounds(t *testing.T) {
	for _, tc := range []struct {
		initial, max time.Duration
	}{{time.Second, 8 * time.Second}, {5 * time.Millisecond, 20 * time.Millisecond}, {0, 0}, {time.Second, time.Millisecond}} {
		ceil := tc.initial
		if ceil <= 0 {
			ceil = 500 * time.Millisecond
		}
		top := max(tc.max, ceil)
		for n := 0; n < 70; n++ { // past the doubling that would overflow
			for range 50 {
				d := Backoff(tc.initial, tc.max, n)
				if d < ceil/2 || d > ceil {
					t.Fatalf("Backoff(%s, %s, %d) = %s, want within [%s, %s]", tc.initial, tc.max, n, d, ceil/2, ceil)
				}
			}
			ceil = min(2*ceil, top)
		}
	}
}

// Interval is the unjittered wait: doubled n times, capped, defaulted.
func TestInterval(t *testing.T) {
	for _, tc := range []struct {
		initial, limit time.Duration
		n              int
		want           time.Duration
	}{
		{time.Second, 8 * time.Second, -1, time.Second},
		{time.Second, 8 * time.Second, 0, time.Second},
		{time.Second, 8 * time.Second, 2, 4 * time.Second},
		{time.Second, 8 * time.Second, 3, 8 * time.Second},
		{time.Second, 8 * time.Second, 70, 8 * time.Second},
		{0, 0, 0, 500 * time.Millisecond},
		{0, 3 * time.Second, 2, 2 * time.Second},
		{time.Second, time.Millisecond, 5, time.Second},
	} {
		if got := Interval(tc.initial, tc.limit, tc.n); got != tc.want {
			t.Errorf("Interval(%s, %s, %d) = %s, want %s", tc.initial, tc.limit, tc.n, got, tc.want)
		}
	}
}

// The jitter spreads waits over the whole upper half, not one value.
func TestBackoffJitters(t *testing.T) {
	seen := map[time.Duration]bool{}
	for range 100 {
		seen[Backoff(time.Second, time.Minute, 3)] = true
	}
	if len(seen) < 50 {
		t.Fatalf("%d distinct waits in 100 draws", len(seen))
	}
}

func TestAfter(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"7", 7 * time.Second, true},
		{"0", 0, true},
		{"Sun, 22 Nov 2026 10:00:30 GMT", 30 * time.Second, true},
		{"Sun, 22 Nov 2026 09:00:00 GMT", 0, true},
		{"soon", 0, false},
		{"-3", 0, false},
	} {
		got, ok := After(tc.in, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("After(%q) = %s, %v; want %s, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
