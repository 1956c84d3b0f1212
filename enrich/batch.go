package enrich

import (
	"context"
	"net/netip"
	"strings"
	"sync"

	"github.com/dmarc-agent/dmarc-agent/enrich/geoip"
	"github.com/dmarc-agent/dmarc-agent/enrich/rdns"
	"github.com/dmarc-agent/dmarc-agent/enrich/senders"
	"github.com/dmarc-agent/dmarc-agent/enrich/verdict"
	"github.com/dmarc-agent/dmarc-agent/mapping"
)

// AddrAggregator is an Enricher that can be given each document's source
// address already parsed, sparing it the parsing of Source.IP.
type AddrAggregator interface {
	// AggregateAddrs is Aggregate. addrs[i], when valid, must be the address
	// docs[i].Source.IP holds (what Source.IP was formatted from); an
	// invalid one (or a short addrs) means Source.IP is parsed as
	// Aggregate does.
	AggregateAddrs(ctx context.Context, docs []*mapping.AggregateDoc, addrs []netip.Addr)
}

var _ AddrAggregator = (*Service)(nil)

// Aggregate fills Source enrichment and DMARC.Verdict of each document.
func (s *Service) Aggregate(ctx context.Context, docs []*mapping.AggregateDoc) {
	s.AggregateAddrs(ctx, docs, nil)
}

// AggregateAddrs is Aggregate with the addresses already parsed.
func (s *Service) AggregateAddrs(ctx context.Context, docs []*mapping.AggregateDoc, addrs []netip.Addr) {
	c := s.caches.get()
	defer s.caches.put(c)
	srcs := c.srcs[:0]
	for _, d := range docs {
		srcs = append(srcs, &d.Source)
	}
	c.srcs = srcs
	s.lookup(ctx, c, srcs, addrs)
	ar := arena{n: len(docs)}
	var n batchCounts
	for i, d := range docs {
		c.dkim = dkimPassed(c.dkim[:0], d.Auth.DKIM)
		entry := s.fill(&d.Source, c.at(i), c.dkim, &ar, &n)
		verdict.Derive(d) // a no-op when the pipeline already did it
		v, _ := verdict.Decide(d, entry)
		if v == "" {
			continue // DMARC pass unknown: no verdict
		}
		d.DMARC.Verdict = v
		n.verdict(v)
	}
	clear(c.srcs)
	clear(c.dkim[:cap(c.dkim)])
	s.metrics.add(&n)
}

// Sources fills enrichment of sources seen in other report kinds.
func (s *Service) Sources(ctx context.Context, srcs []*mapping.Source) {
	c := s.caches.get()
	defer s.caches.put(c)
	s.lookup(ctx, c, srcs, nil)
	ar := arena{n: len(srcs)}
	var n batchCounts
	for i, src := range srcs {
		s.fill(src, c.at(i), nil, &ar, &n)
	}
	s.metrics.add(&n)
}

// lookup finds what is known about the address of each source into c: the
// GeoIP record from c's memory or the databases, each distinct address of
// the batch counted once; reverse DNS for the distinct addresses,
// concurrently within the batch budget.
func (s *Service) lookup(ctx context.Context, c *cache, srcs []*mapping.Source, given []netip.Addr) {
	c.begin()
	var n batchCounts
	for i, src := range srcs {
		var a netip.Addr
		if i < len(given) && given[i].IsValid() {
			a = given[i]
		} else {
			var err error
			if a, err = netip.ParseAddr(strings.TrimSpace(src.IP)); err != nil {
				n.invalid++
				c.idx = append(c.idx, -1)
				continue
			}
		}
		a = a.WithZone("").Unmap()
		e, first := c.entry(a)
		c.idx = append(c.idx, e)
		if !first {
			continue
		}
		c.unique = append(c.unique, a)
		if s.geo == nil {
			continue
		}
		ent := &c.entries[e]
		var known bool
		if ent.geo, known = c.network(a); !known {
			rec, bits, err := s.geo.LookupNetwork(a)
			if err != nil {
				ent.lookupErr = true
				s.logger.Debug("GeoIP lookup failed", "ip", a, "err", err)
			} else {
				c.remember(a, bits, rec) // a failed lookup is tried again
			}
			ent.geo = rec
		}
		switch {
		case ent.lookupErr:
			n.geoError++
		case ent.geo.Empty():
			n.geoNotFound++
		default:
			n.geoFound++
		}
	}
	s.metrics.add(&n)
	if s.dns != nil && len(c.unique) > 0 {
		for a, name := range s.dns.Resolve(ctx, c.unique) {
			if e, ok := c.index[a]; ok {
				c.entries[e].name = name
			}
		}
	}
}

// fill writes what is known about the address (nil: nothing) into src and
// names its sender.
func (s *Service) fill(src *mapping.Source, info *entry, dkimPass []string, ar *arena, n *batchCounts) *senders.Entry {
	src.Geo, src.AS, src.Domain, src.BaseDomain, src.Sender = nil, nil, "", "", nil
	sig := senders.Signals{DKIMPass: dkimPass}
	if info != nil {
		g := &info.geo
		if g.CountryISOCode != "" || g.CityName != "" || g.RegionName != "" || g.HasLocation {
			src.Geo = ar.geo(mapping.Geo{CountryISOCode: g.CountryISOCode, CountryName: g.CountryName,
				RegionName: g.RegionName, CityName: g.CityName})
			if g.HasLocation {
				src.Geo.Location = ar.point(mapping.GeoPoint{Lat: g.Lat, Lon: g.Lon})
			}
		}
		if g.ASN != 0 {
			src.AS = ar.as(mapping.AS{Number: g.ASN})
			if g.ASOrg != "" {
				src.AS.Organization = ar.org(mapping.Organization{Name: g.ASOrg})
			}
		}
		src.Domain, src.BaseDomain = info.name.Domain, info.name.Base
		sig.PTR, sig.ASN = info.name.Domain, g.ASN
	}
	m, ok := s.senders.Match(sig)
	if !ok {
		n.match("none")
		return nil
	}
	n.match(m.By)
	src.Sender = ar.sender(mapping.Sender{Name: m.Entry.Name, Type: m.Entry.Type, MatchedBy: m.By})
	return m.Entry
}

// dkimPassed appends to dst the signing domains of a whose result is pass.
func dkimPassed(dst []string, a mapping.AuthDKIM) []string {
	for i, d := range a.Domains {
		if i < len(a.Results) && strings.EqualFold(strings.TrimSpace(a.Results[i]), "pass") && d != "" {
			dst = append(dst, d)
		}
	}
	return dst
}

// arena hands out the enrichment values of one batch from one slice per
// type, allocated at first use with room for the whole batch, instead of
// one allocation per value. A batch's slices are never reused: documents
// may keep pointing into them.
type arena struct {
	n       int
	geos    []mapping.Geo
	points  []mapping.GeoPoint
	ases    []mapping.AS
	orgs    []mapping.Organization
	senders []mapping.Sender
}

// next appends v to *s (made with capacity n at first use) and returns a
// pointer to it; at most n values are taken, so *s never moves.
func next[T any](s *[]T, n int, v T) *T {
	if *s == nil || len(*s) == cap(*s) {
		*s = make([]T, 0, n)
	}
	*s = append(*s, v)
	return &(*s)[len(*s)-1]
}

func (a *arena) geo(v mapping.Geo) *mapping.Geo                   { return next(&a.geos, a.n, v) }
func (a *arena) point(v mapping.GeoPoint) *mapping.GeoPoint       { return next(&a.points, a.n, v) }
func (a *arena) as(v mapping.AS) *mapping.AS                      { return next(&a.ases, a.n, v) }
func (a *arena) org(v mapping.Organization) *mapping.Organization { return next(&a.orgs, a.n, v) }
func (a *arena) sender(v mapping.Sender) *mapping.Sender          { return next(&a.senders, a.n, v) }

// batchCounts are the metrics of one batch, added to the counters once.
type batchCounts struct {
	invalid                              int
	geoFound, geoNotFound, geoError      int
	byPTR, byDKIM, byASN, byNone         int
	aligned, forwarded, misconf, spoofed int
	other                                map[string]int // match kinds or verdicts outside the lists above
	otherVerdicts                        map[string]int
}

func (n *batchCounts) match(by string) {
	switch by {
	case senders.ByPTR:
		n.byPTR++
	case senders.ByDKIM:
		n.byDKIM++
	case senders.ByASN:
		n.byASN++
	case "none":
		n.byNone++
	default:
		if n.other == nil {
			n.other = map[string]int{}
		}
		n.other[by]++
	}
}

func (n *batchCounts) verdict(v string) {
	switch v {
	case verdict.Aligned:
		n.aligned++
	case verdict.Forwarded:
		n.forwarded++
	case verdict.Misconfigured:
		n.misconf++
	case verdict.Spoofed:
		n.spoofed++
	default:
		if n.otherVerdicts == nil {
			n.otherVerdicts = map[string]int{}
		}
		n.otherVerdicts[v]++
	}
}

// entry is what a batch knows about one of its addresses.
type entry struct {
	geo       geoip.Record
	lookupErr bool // the GeoIP lookup failed
	name      rdns.Name
}

// cache is one worker's memory of GeoIP networks, and its scratch for a
// batch. A cache serves one batch at a time (cachePool), so it needs no
// lock.
type cache struct {
	// nets holds GeoIP answers that hold for a whole /24 (IPv4) or /48
	// (IPv6) network, in a direct-mapped table by netKey: the databases'
	// networks are mostly larger, and a domain's senders send from few
	// networks, so most addresses are answered without a lookup. A network
	// takes the slot of the one before it; nothing needs clearing.
	nets *[cacheNets]netSlot
	// per batch
	index   map[netip.Addr]int32 // entry of each distinct address
	entries []entry
	idx     []int32 // entry of each source, -1 when its IP is invalid
	unique  []netip.Addr
	srcs    []*mapping.Source
	dkim    []string
}

// cacheNets is the number of slots of a cache's network table (about
// 130 bytes each).
const cacheNetBits, cacheNets = 12, 1 << 12

// netSlot is one network of the table; ok says it holds one.
type netSlot struct {
	key uint64
	ok  bool
	rec geoip.Record
}

// slot is the place of key in the table.
func (c *cache) slot(key uint64) *netSlot {
	return &c.nets[(key*0x9E3779B97F4A7C15)>>(64-cacheNetBits)]
}

// The networks nets is keyed by.
const netBits4, netBits6 = 24, 48

// netKey is the key in nets of a's network: the first 24 bits of an IPv4
// address, or the first 48 bits of an IPv6 one with the low bit set.
func netKey(a netip.Addr) uint64 {
	if a.Is4() {
		b := a.As4()
		return uint64(b[0])<<40 | uint64(b[1])<<32 | uint64(b[2])<<24
	}
	b := a.As16()
	return uint64(b[0])<<56 | uint64(b[1])<<48 | uint64(b[2])<<40 | uint64(b[3])<<32 |
		uint64(b[4])<<24 | uint64(b[5])<<16 | 1
}

// network returns the record remembered for a's network.
func (c *cache) network(a netip.Addr) (geoip.Record, bool) {
	k := netKey(a)
	if sl := c.slot(k); sl.ok && sl.key == k {
		return sl.rec, true
	}
	return geoip.Record{}, false
}

// remember keeps rec for a's whole network when it holds for all of it
// (the databases' answer holds for the first bits bits of a).
func (c *cache) remember(a netip.Addr, bits int, rec geoip.Record) {
	limit := netBits6
	if a.Is4() {
		limit = netBits4
	}
	if bits < 0 || bits > limit {
		return
	}
	k := netKey(a)
	*c.slot(k) = netSlot{key: k, ok: true, rec: rec}
}

// begin starts a batch.
func (c *cache) begin() {
	if c.nets == nil {
		c.nets = new([cacheNets]netSlot)
		c.index = make(map[netip.Addr]int32, 64)
	}
	clear(c.index)
	clear(c.entries)
	c.entries, c.idx, c.unique = c.entries[:0], c.idx[:0], c.unique[:0]
}

// entry returns the index of a's entry in this batch and whether it is new.
func (c *cache) entry(a netip.Addr) (int32, bool) {
	if e, ok := c.index[a]; ok {
		return e, false
	}
	e := int32(len(c.entries))
	c.entries = append(c.entries, entry{})
	c.index[a] = e
	return e, true
}

// at returns the entry of source i of the batch, nil when its IP is invalid.
func (c *cache) at(i int) *entry {
	if e := c.idx[i]; e >= 0 {
		return &c.entries[e]
	}
	return nil
}

// cachePool holds the caches not in use: a batch takes one (one lock per
// batch, none per document), so each concurrent worker has its own.
type cachePool struct {
	mu   sync.Mutex
	free []*cache
}

func (p *cachePool) get() *cache {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := len(p.free); n > 0 {
		c := p.free[n-1]
		p.free = p.free[:n-1]
		return c
	}
	return &cache{}
}

func (p *cachePool) put(c *cache) {
	p.mu.Lock()
	p.free = append(p.free, c)
	p.mu.Unlock()
}
