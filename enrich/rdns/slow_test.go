package rdns

import (
	"context"
	"fmt"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"net"
	"net/netip"
	"testing"
	"time"
)

// swallowUDP is a DNS server that reads queries and never answers.
func swallowUDP(t *testing.T) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 1500)
		for {
			if _, _, err := pc.ReadFrom(buf); err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() { pc.Close(); <-done })
	return pc.LocalAddr().String()
}

// The done-when check of issue 6: against a DNS server that never answers,
// a batch ends when its budget is spent, however long the per-lookup
// timeout. (The bound asserted is loose on purpose: without the budget the
// batch would take the full 20 s timeout.)
func TestNeverAnsweringServerWithinBudget(t *testing.T) {
	opts := testOptions(&clock{t: time.Unix(0, 0)})
	opts.Now = time.Now
	opts.Timeout = 20 * time.Second
	opts.BatchBudget = 300 * time.Millisecond
	opts.Concurrency = 8
	l := newTest(t, opts, SystemResolver([]string{swallowUDP(t)}))
	var batch []netip.Addr
	for i := range 50 {
		batch = append(batch, netip.MustParseAddr(fmt.Sprintf("198.51.100.%d", i+1)))
	}
	start := time.Now()
	got := l.Resolve(context.Background(), batch)
	elapsed := time.Since(start)
	if len(got) != 0 {
		t.Errorf("names from a silent server: %v", got)
	}
	if elapsed < opts.BatchBudget || elapsed > 10*time.Second {
		t.Errorf("batch took %s with a budget of %s", elapsed, opts.BatchBudget)
	}
	if skipped := testutil.ToFloat64(l.metrics.Skipped.WithLabelValues("budget")); skipped != 50 {
		t.Errorf("skipped for budget = %v, want 50", skipped)
	}
	start = time.Now()
	l.Close() // cancels the 8 lookups still waiting for the silent server
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Close took %s", d)
	}
}

// After consecutive timeouts the breaker stops lookups, so later batches
// do not wait at all; after the cooldown one probe decides.
func TestBreaker(t *testing.T) {
	c := &clock{t: time.Unix(0, 0)}
	f := &fakeResolver{ptr: map[string][]string{"192.0.2.99": {"back.example.com."}, "192.0.2.98": {"also.example.com."}}}
	f.hang.Store(true)
	opts := testOptions(c)
	opts.Timeout = 20 * time.Millisecond
	l := newTest(t, opts, f)

	l.Resolve(context.Background(), addrs("192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4"))
	if !l.BreakerOpen() || testutil.ToFloat64(l.metrics.BreakerOpen) != 1 || testutil.ToFloat64(l.metrics.BreakerTrips) != 1 {
		t.Fatalf("breaker not open after 4 timeouts (threshold 3)")
	}
	calls := f.calls.Load()
	start := time.Now()
	got := l.Resolve(context.Background(), addrs("192.0.2.5", "192.0.2.6"))
	if len(got) != 0 || f.calls.Load() != calls || time.Since(start) > time.Second {
		t.Errorf("open breaker still asked DNS: %v, %d calls", got, f.calls.Load()-calls)
	}
	if n := testutil.ToFloat64(l.metrics.Skipped.WithLabelValues("breaker")); n != 2 {
		t.Errorf("skipped for breaker = %v", n)
	}

	// Cooldown over, DNS still dead: the single probe times out, the breaker re-opens.
	c.add(61 * time.Second)
	l.Resolve(context.Background(), addrs("192.0.2.7", "192.0.2.8"))
	if f.calls.Load() != calls+1 || !l.BreakerOpen() {
		t.Errorf("half-open: %d lookups (want 1 probe), open=%v", f.calls.Load()-calls, l.BreakerOpen())
	}

	// Cooldown over, DNS back: the probe answers and the breaker closes.
	f.hang.Store(false)
	c.add(61 * time.Second)
	got = l.Resolve(context.Background(), addrs("192.0.2.99", "192.0.2.98"))
	if l.BreakerOpen() || got[netip.MustParseAddr("192.0.2.99")].Domain != "back.example.com" {
		t.Errorf("probe did not close the breaker: open=%v %v", l.BreakerOpen(), got)
	}
	got = l.Resolve(context.Background(), addrs("192.0.2.98"))
	if got[netip.MustParseAddr("192.0.2.98")].Domain != "also.example.com" {
		t.Errorf("closed breaker: %v", got)
	}
	if testutil.ToFloat64(l.metrics.BreakerOpen) != 0 || testutil.ToFloat64(l.metrics.BreakerTrips) != 1 {
		t.Errorf("breaker metrics: open=%v trips=%v", testutil.ToFloat64(l.metrics.BreakerOpen), testutil.ToFloat64(l.metrics.BreakerTrips))
	}
}

func TestServerAddr(t *testing.T) {
	for in, want := range map[string]string{"127.0.0.1": "127.0.0.1:53", "127.0.0.1:5353": "127.0.0.1:5353", "::1": "[::1]:53", "[::1]:53": "[::1]:53", "dns.example": "dns.example:53"} {
		if got := ServerAddr(in); got != want {
			t.Errorf("ServerAddr(%q) = %q, want %q", in, got, want)
		}
	}
}
