package enrich

import (
	"context"
	"net/netip"
	"strings"

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
