package rdns

import (
	"context"
	"fmt"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"io"
	"log/slog"
	"net/netip"
	"sync"
	"testing"
	"time"
)

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestResolve(t *testing.T) {
	f := &fakeResolver{ptr: map[string][]string{
		"209.85.220.41": {"Mail-SOR-F41.Google.COM."},
		"54.240.8.1":    {"b.smtp-out.amazonses.com.", "a.smtp-out.amazonses.com."},
		"3.5.7.9":       {"ec2-3-5-7-9.compute-1.amazonaws.com."},
		"2001:db8::25":  {"mx.example.co.uk."},
		"192.0.2.1":     {"."},
	}}
	l := newTest(t, testOptions(&clock{t: time.Unix(0, 0)}), f)
	got := l.Resolve(context.Background(), addrs("209.85.220.41", "54.240.8.1", "3.5.7.9", "2001:db8::25", "192.0.2.1", "198.51.100.7", "209.85.220.41"))
	want := map[netip.Addr]Name{
		netip.MustParseAddr("209.85.220.41"): {"mail-sor-f41.google.com", "google.com"},
		netip.MustParseAddr("54.240.8.1"):    {"a.smtp-out.amazonses.com", "amazonses.com"},
		netip.MustParseAddr("3.5.7.9"):       {"ec2-3-5-7-9.compute-1.amazonaws.com", "amazonaws.com"},
		netip.MustParseAddr("2001:db8::25"):  {"mx.example.co.uk", "example.co.uk"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}
	if n := f.calls.Load(); n != 6 {
		t.Errorf("resolver called %d times for 6 distinct addresses", n)
	}
}

func TestCacheTTLAndNegativeCaching(t *testing.T) {
	c := &clock{t: time.Unix(0, 0)}
	f := &fakeResolver{ptr: map[string][]string{"192.0.2.1": {"mx.example.com."}}}
	l := newTest(t, testOptions(c), f)
	batch := addrs("192.0.2.1", "192.0.2.2")
	l.Resolve(context.Background(), batch)
	got := l.Resolve(context.Background(), batch)
	if f.calls.Load() != 2 || got[batch[0]].Domain != "mx.example.com" || len(got) != 1 {
		t.Fatalf("second batch: %d calls, %v", f.calls.Load(), got)
	}
	if hits := testutil.ToFloat64(l.metrics.CacheHits); hits != 2 {
		t.Errorf("cache hits = %v", hits)
	}
	c.add(11 * time.Minute) // past the negative TTL only
	l.Resolve(context.Background(), batch)
	if f.calls.Load() != 3 {
		t.Errorf("negative entry not re-asked after its TTL: %d calls", f.calls.Load())
	}
	c.add(time.Hour) // past both
	l.Resolve(context.Background(), batch)
	if f.calls.Load() != 5 {
		t.Errorf("entries not re-asked after their TTL: %d calls", f.calls.Load())
	}
	for result, want := range map[string]float64{"found": 2, "not_found": 3, "timeout": 0, "error": 0} {
		if got := testutil.ToFloat64(l.metrics.Lookups.WithLabelValues(result)); got != want {
			t.Errorf("lookups{result=%q} = %v, want %v", result, got, want)
		}
	}
	if got := testutil.ToFloat64(l.metrics.CacheEntries); got != 2 {
		t.Errorf("cache entries = %v", got)
	}
}

func TestCacheSizeBound(t *testing.T) {
	f := &fakeResolver{}
	opts := testOptions(&clock{t: time.Unix(0, 0)})
	opts.CacheSize = 2
	l := newTest(t, opts, f)
	l.Resolve(context.Background(), addrs("192.0.2.1"))
	l.Resolve(context.Background(), addrs("192.0.2.2"))
	l.Resolve(context.Background(), addrs("192.0.2.1")) // hit: 192.0.2.1 is now the most recent
	l.Resolve(context.Background(), addrs("192.0.2.3")) // evicts 192.0.2.2
	if n := l.cache.len(); n != 2 {
		t.Errorf("cache holds %d entries, bound is 2", n)
	}
	before := f.calls.Load()
	l.Resolve(context.Background(), addrs("192.0.2.1", "192.0.2.3"))
	l.Resolve(context.Background(), addrs("192.0.2.2"))
	if got := f.calls.Load() - before; got != 1 {
		t.Errorf("want only the evicted address asked again, got %d lookups", got)
	}
}

func TestForwardConfirmation(t *testing.T) {
	f := &fakeResolver{
		ptr: map[string][]string{
			"192.0.2.1":   {"good.example.com."},
			"192.0.2.2":   {"liar.example.net."},
			"2001:db8::1": {"v6.example.org."},
		},
		fwd: map[string][]netip.Addr{
			"good.example.com": addrs("192.0.2.9", "192.0.2.1"),
			"liar.example.net": addrs("198.51.100.1"),
			"v6.example.org":   addrs("2001:db8::1"),
		},
	}
	opts := testOptions(&clock{t: time.Unix(0, 0)})
	opts.ForwardConfirm = true
	l := newTest(t, opts, f)
	got := l.Resolve(context.Background(), addrs("192.0.2.1", "192.0.2.2", "2001:db8::1"))
	if len(got) != 2 || got[netip.MustParseAddr("192.0.2.1")].Domain != "good.example.com" ||
		got[netip.MustParseAddr("2001:db8::1")].Domain != "v6.example.org" {
		t.Errorf("got %v", got)
	}
	if n := testutil.ToFloat64(l.metrics.Unconfirmed); n != 1 {
		t.Errorf("unconfirmed = %v", n)
	}
}

func TestConcurrencyBound(t *testing.T) {
	f := &fakeResolver{delay: 5 * time.Millisecond, ptr: map[string][]string{}}
	var batch []netip.Addr
	for i := range 60 {
		a := fmt.Sprintf("192.0.2.%d", i+1)
		f.ptr[a] = []string{fmt.Sprintf("h%d.example.com.", i)}
		batch = append(batch, netip.MustParseAddr(a))
	}
	opts := testOptions(&clock{t: time.Unix(0, 0)})
	opts.Concurrency = 3
	l := newTest(t, opts, f)
	got := l.Resolve(context.Background(), batch)
	if len(got) != 60 {
		t.Errorf("resolved %d of 60", len(got))
	}
	if m := f.maxSeen.Load(); m > 3 || m < 2 {
		t.Errorf("max lookups in flight = %d, bound is 3", m)
	}
}

// Two batches asking for the same address at once share one lookup.
func TestInflightShared(t *testing.T) {
	f := &fakeResolver{delay: 50 * time.Millisecond, ptr: map[string][]string{"192.0.2.1": {"mx.example.com."}}}
	l := newTest(t, testOptions(&clock{t: time.Unix(0, 0)}), f)
	var wg sync.WaitGroup
	results := make([]map[netip.Addr]Name, 4)
	for i := range results {
		wg.Go(func() { results[i] = l.Resolve(context.Background(), addrs("192.0.2.1")) })
	}
	wg.Wait()
	if f.calls.Load() != 1 {
		t.Errorf("%d lookups for one address", f.calls.Load())
	}
	for i, r := range results {
		if r[netip.MustParseAddr("192.0.2.1")].Domain != "mx.example.com" {
			t.Errorf("batch %d: %v", i, r)
		}
	}
}
