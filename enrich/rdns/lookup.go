package rdns

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"slices"

	"github.com/dmarc-agent/dmarc-agent/enrich/psl"
)

func (l *Lookuper) lookup(a netip.Addr, c *call, probe bool) {
	defer l.wg.Done()
	defer func() { <-l.sem }()
	ctx, cancel := context.WithTimeout(l.ctx, l.opts.Timeout)
	defer cancel()
	name, result := l.ask(ctx, a)
	closing := l.ctx.Err() != nil
	l.metrics.Lookups.WithLabelValues(result).Inc()
	if !closing {
		l.breaker.done(result == "timeout", probe)
	}
	c.name, c.ok = name, result == "found" || result == "not_found"
	ttl := l.opts.CacheTTL
	switch {
	case closing:
		ttl = 0
	case result == "not_found":
		ttl = l.opts.NegativeTTL
	case !c.ok:
		ttl = min(l.opts.NegativeTTL, failureTTL)
	}
	if ttl > 0 {
		l.cache.put(a, name, l.opts.Now().Add(ttl))
	}
	l.finish(a, c)
}

// ask performs the PTR lookup (and forward confirmation) and classifies it.
func (l *Lookuper) ask(ctx context.Context, a netip.Addr) (Name, string) {
	names, err := l.resolver.LookupAddr(ctx, a.String())
	if err != nil && len(names) == 0 {
		return Name{}, classify(ctx, err)
	}
	cands := make([]string, 0, len(names))
	for _, n := range names {
		if n = psl.Normalize(n); n != "" {
			cands = append(cands, n)
		}
	}
	slices.Sort(cands)
	for _, n := range cands {
		if l.opts.ForwardConfirm && !l.confirms(ctx, n, a) {
			l.metrics.Unconfirmed.Inc()
			continue
		}
		return Name{Domain: n, Base: psl.Registered(n)}, "found"
	}
	if ctx.Err() != nil {
		return Name{}, "timeout"
	}
	return Name{}, "not_found"
}

func (l *Lookuper) confirms(ctx context.Context, name string, a netip.Addr) bool {
	network := "ip4"
	if !a.Unmap().Is4() {
		network = "ip6"
	}
	ips, err := l.resolver.LookupNetIP(ctx, network, name)
	if err != nil {
		return false
	}
	for _, ip := range ips {
		if ip.Unmap() == a.Unmap() {
			return true
		}
	}
	return false
}

func classify(ctx context.Context, err error) string {
	var de *net.DNSError
	switch {
	case errors.As(err, &de) && de.IsNotFound:
		return "not_found"
	case errors.As(err, &de) && de.IsTimeout, ctx.Err() != nil,
		errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return "timeout"
	}
	return "error"
}
