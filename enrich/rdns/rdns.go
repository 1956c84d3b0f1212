// Package rdns resolves source addresses to PTR names without letting DNS make
// a run slow: lookups are bounded in number and time, answers (and the lack of
// them) are cached, a breaker suspends lookups while DNS looks dead, and each
// batch waits no longer than its budget.
package rdns

import (
	"context"
	"log/slog"
	"net/netip"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// failureTTL caps how long a timeout or server error is remembered, so a
// DNS hiccup does not hide names for the whole negative TTL.
const failureTTL = 5 * time.Minute

// Options tune the Lookuper; enrich.DNSConfig supplies them.
type Options struct {
	Timeout          time.Duration // per lookup (PTR plus forward confirmation)
	Concurrency      int           // lookups in flight, across all batches
	CacheTTL         time.Duration // for names found
	NegativeTTL      time.Duration // for "no PTR record"
	CacheSize        int           // entries; 0 disables the cache
	ForwardConfirm   bool          // keep a name only if it resolves back to the address
	BatchBudget      time.Duration // longest a batch waits for DNS
	BreakerThreshold int           // consecutive timeouts that suspend lookups
	BreakerCooldown  time.Duration // how long lookups stay suspended
	Now              func() time.Time
}

// Name is the reverse-DNS result of one address. Both fields are empty when
// there is no (confirmed) PTR record.
type Name struct {
	Domain string // PTR name, lower-case, no trailing dot
	Base   string // its registered domain (ICANN section of the PSL)
}

// Lookuper resolves addresses. It is safe for concurrent use.
type Lookuper struct {
	opts     Options
	resolver Resolver
	logger   *slog.Logger
	metrics  *Metrics
	cache    *cache
	breaker  *breaker
	sem      chan struct{}

	ctx    context.Context // cancelled by Close; background lookups run under it
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu       sync.Mutex
	inflight map[netip.Addr]*call
}

type call struct {
	done chan struct{}
	name Name
	ok   bool // an answer arrived (found or not found)
}

// New builds a Lookuper. reg may be nil.
func New(opts Options, r Resolver, logger *slog.Logger, reg prometheus.Registerer) (*Lookuper, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	l := &Lookuper{
		opts:     opts,
		resolver: r,
		logger:   logger,
		cache:    newCache(opts.CacheSize),
		sem:      make(chan struct{}, max(opts.Concurrency, 1)),
		inflight: make(map[netip.Addr]*call),
	}
	m := newMetrics(reg, func() float64 { return float64(l.cache.len()) })
	l.metrics = m
	l.breaker = &breaker{threshold: max(opts.BreakerThreshold, 1), cooldown: opts.BreakerCooldown, now: opts.Now,
		onChange: func(open bool) {
			if open {
				m.BreakerOpen.Set(1)
				m.BreakerTrips.Inc()
				logger.Warn("reverse DNS suspended after consecutive timeouts", "cooldown", opts.BreakerCooldown)
			} else {
				m.BreakerOpen.Set(0)
				logger.Info("reverse DNS answers again")
			}
		}}
	l.ctx, l.cancel = context.WithCancel(context.Background())
	return l, nil
}

// Resolve returns the names of addrs that are cached or answered within the
// batch budget; addresses missing from the map have no known name. Lookups
// still running when the budget is spent finish in the background (each
// within Timeout) and fill the cache for later batches.
func (l *Lookuper) Resolve(ctx context.Context, addrs []netip.Addr) map[netip.Addr]Name {
	out := make(map[netip.Addr]Name, len(addrs))
	bctx, cancel := context.WithTimeout(ctx, l.opts.BatchBudget)
	defer cancel()
	now := l.opts.Now()
	var waits []netip.Addr
	var calls []*call
	seen := make(map[netip.Addr]struct{}, len(addrs))
	for _, a := range addrs {
		if _, dup := seen[a]; dup {
			continue
		}
		seen[a] = struct{}{}
		if n, ok := l.cache.get(a, now); ok {
			l.metrics.CacheHits.Inc()
			if n.Domain != "" {
				out[a] = n
			}
			continue
		}
		l.metrics.CacheMisses.Inc()
		c, owner := l.join(a)
		if owner && !l.start(bctx, a, c) {
			continue
		}
		waits, calls = append(waits, a), append(calls, c)
	}
	for i, c := range calls {
		select {
		case <-c.done:
			if c.ok && c.name.Domain != "" {
				out[waits[i]] = c.name
			}
		case <-bctx.Done():
			l.metrics.Skipped.WithLabelValues("budget").Add(float64(len(calls) - i))
			return out
		}
	}
	return out
}

// join returns the in-flight call for a, registering a new one (owner) if
// there is none.
func (l *Lookuper) join(a netip.Addr) (c *call, owner bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if c, ok := l.inflight[a]; ok {
		return c, false
	}
	c = &call{done: make(chan struct{})}
	l.inflight[a] = c
	return c, true
}

// start launches the lookup of a new call, or abandons it when the breaker
// is open or the budget is spent before a slot frees up.
func (l *Lookuper) start(bctx context.Context, a netip.Addr, c *call) bool {
	allowed, probe := l.breaker.allow()
	if !allowed {
		l.metrics.Skipped.WithLabelValues("breaker").Inc()
		l.finish(a, c)
		return false
	}
	if bctx.Err() == nil {
		select {
		case l.sem <- struct{}{}:
			l.wg.Add(1)
			go l.lookup(a, c, probe)
			return true
		case <-bctx.Done():
		}
	}
	if probe {
		l.breaker.cancelProbe() // the probe never ran: let the next batch try
	}
	l.metrics.Skipped.WithLabelValues("budget").Inc()
	l.finish(a, c)
	return false
}

func (l *Lookuper) finish(a netip.Addr, c *call) {
	l.mu.Lock()
	delete(l.inflight, a)
	l.mu.Unlock()
	close(c.done)
}

// BreakerOpen reports whether lookups are suspended.
func (l *Lookuper) BreakerOpen() bool { return l.breaker.isOpen() }

// Close cancels lookups still running in the background and waits for them.
func (l *Lookuper) Close() {
	l.cancel()
	l.wg.Wait()
}
