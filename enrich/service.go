package enrich

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"sync"

	"github.com/dmarc-agent/dmarc-agent/enrich/geoip"
	"github.com/dmarc-agent/dmarc-agent/enrich/rdns"
	"github.com/dmarc-agent/dmarc-agent/enrich/senders"
	"github.com/dmarc-agent/dmarc-agent/enrich/verdict"
	"github.com/dmarc-agent/dmarc-agent/mapping"
	"github.com/prometheus/client_golang/prometheus"
)

// Service is the Enricher: GeoIP, reverse DNS, sender catalogue and verdict.
// It is safe for concurrent use.
type Service struct {
	geo     *geoip.DB      // nil with no database at all
	dns     *rdns.Lookuper // nil when offline
	senders *senders.Catalogue
	logger  *slog.Logger
	metrics *metrics
	once    sync.Once
}

var _ Enricher = (*Service)(nil)

// New opens the databases and builds the catalogue. reg may be nil.
func New(ctx context.Context, cfg Config, logger *slog.Logger, reg prometheus.Registerer) (*Service, error) {
	return newService(ctx, cfg, logger, reg, nil)
}

// NewWithResolver is New with the reverse-DNS resolver injected (tests, or
// callers with their own resolver).
func NewWithResolver(ctx context.Context, cfg Config, logger *slog.Logger, reg prometheus.Registerer, r rdns.Resolver) (*Service, error) {
	return newService(ctx, cfg, logger, reg, r)
}

func newService(ctx context.Context, cfg Config, logger *slog.Logger, reg prometheus.Registerer, r rdns.Resolver) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	logger = logger.With("component", "enrich")
	s := &Service{logger: logger}
	s.metrics = newMetrics(reg)
	var err error
	var geoDBs []string // for the one start-up line
	if len(cfg.GeoIP.Databases) > 0 || !cfg.GeoIP.DisableEmbedded {
		if s.geo, err = geoip.Open(cfg.GeoIP.Databases, cfg.GeoIP.DisableEmbedded); err != nil {
			return nil, err
		}
		for _, db := range s.geo.Databases() {
			logger.Debug("GeoIP database opened", "path", db.Path, "type", db.Type, "built", db.BuildTime.Format("2006-01-02"))
			geoDBs = append(geoDBs, db.Type+" "+db.BuildTime.Format("2006-01-02"))
		}
	}
	if s.senders, err = senders.New(userEntries(cfg.Senders)); err != nil {
		s.Close()
		return nil, fmt.Errorf("enrich.senders: %w", err)
	}
	if !cfg.DNS.Offline {
		if r == nil {
			r = rdns.SystemResolver(cfg.DNS.Servers)
		}
		d := cfg.DNS
		s.dns, err = rdns.New(rdns.Options{Timeout: d.Timeout, Concurrency: d.Concurrency, CacheTTL: d.CacheTTL,
			NegativeTTL: d.NegativeTTL, CacheSize: d.CacheSize, ForwardConfirm: d.ForwardConfirm,
			BatchBudget: d.BatchBudget, BreakerThreshold: d.BreakerThreshold, BreakerCooldown: d.BreakerCooldown,
		}, r, logger, reg)
		if err != nil {
			s.Close()
			return nil, err
		}
	}
	logger.Info("enrichment ready", "geoip", strings.Join(geoDBs, ", "), "senders", s.senders.Size(), "user_senders", len(cfg.Senders),
		"catalogue", s.senders.Version(), "reverse_dns", !cfg.DNS.Offline)
	return s, nil
}

func userEntries(cfg []SenderEntry) []senders.Entry {
	out := make([]senders.Entry, len(cfg))
	for i, e := range cfg {
		out[i] = senders.Entry{Name: e.Name, Type: e.Type, PTRDomains: e.PTRDomains, ASNs: e.ASNs,
			DKIMDomains: e.DKIMDomains, Domains: e.Domains}
	}
	return out
}

// ipInfo is what is known about one address in one batch.
type ipInfo struct {
	geo  geoip.Record
	name rdns.Name
}

// lookup parses the sources' IPs and looks up each distinct address once:
// GeoIP at once, reverse DNS concurrently within the batch budget.
func (s *Service) lookup(ctx context.Context, srcs []*mapping.Source) ([]netip.Addr, map[netip.Addr]*ipInfo) {
	addrs := make([]netip.Addr, len(srcs))
	infos := make(map[netip.Addr]*ipInfo)
	var unique []netip.Addr
	for i, src := range srcs {
		a, err := netip.ParseAddr(strings.TrimSpace(src.IP))
		if err != nil {
			s.metrics.invalid.Inc()
			continue
		}
		a = a.WithZone("").Unmap()
		addrs[i] = a
		if _, ok := infos[a]; ok {
			continue
		}
		info := &ipInfo{}
		infos[a] = info
		unique = append(unique, a)
		if s.geo != nil {
			rec, err := s.geo.Lookup(a)
			switch {
			case err != nil:
				s.metrics.geo.WithLabelValues("error").Inc()
				s.logger.Debug("GeoIP lookup failed", "ip", a, "err", err)
			case rec.Empty():
				s.metrics.geo.WithLabelValues("not_found").Inc()
			default:
				s.metrics.geo.WithLabelValues("found").Inc()
			}
			info.geo = rec
		}
	}
	if s.dns != nil && len(unique) > 0 {
		for a, n := range s.dns.Resolve(ctx, unique) {
			infos[a].name = n
		}
	}
	return addrs, infos
}

// fill writes what is known about the address into src and names its sender.
func (s *Service) fill(src *mapping.Source, info *ipInfo, dkimPass []string) *senders.Entry {
	src.Geo, src.AS, src.Domain, src.BaseDomain, src.Sender = nil, nil, "", "", nil
	sig := senders.Signals{DKIMPass: dkimPass}
	if info != nil {
		g := info.geo
		if g.CountryISOCode != "" || g.CityName != "" || g.RegionName != "" || g.HasLocation {
			src.Geo = &mapping.Geo{CountryISOCode: g.CountryISOCode, CountryName: g.CountryName,
				RegionName: g.RegionName, CityName: g.CityName}
			if g.HasLocation {
				src.Geo.Location = &mapping.GeoPoint{Lat: g.Lat, Lon: g.Lon}
			}
		}
		if g.ASN != 0 {
			src.AS = &mapping.AS{Number: g.ASN}
			if g.ASOrg != "" {
				src.AS.Organization = &mapping.Organization{Name: g.ASOrg}
			}
		}
		src.Domain, src.BaseDomain = info.name.Domain, info.name.Base
		sig.PTR, sig.ASN = info.name.Domain, g.ASN
	}
	m, ok := s.senders.Match(sig)
	if !ok {
		s.metrics.matches.WithLabelValues("none").Inc()
		return nil
	}
	s.metrics.matches.WithLabelValues(m.By).Inc()
	src.Sender = &mapping.Sender{Name: m.Entry.Name, Type: m.Entry.Type, MatchedBy: m.By}
	return m.Entry
}

// Aggregate fills Source enrichment and DMARC.Verdict of each document.
func (s *Service) Aggregate(ctx context.Context, docs []*mapping.AggregateDoc) {
	srcs := make([]*mapping.Source, 0, len(docs))
	for _, d := range docs {
		srcs = append(srcs, &d.Source)
	}
	addrs, infos := s.lookup(ctx, srcs)
	for i, d := range docs {
		entry := s.fill(&d.Source, infos[addrs[i]], dkimPassed(d.Auth.DKIM))
		verdict.Derive(d) // a no-op when the pipeline already did it
		v, _ := verdict.Decide(d, entry)
		if v == "" {
			continue // DMARC pass unknown: no verdict
		}
		d.DMARC.Verdict = v
		s.metrics.verdicts.WithLabelValues(v).Inc()
	}
}

// Sources fills enrichment of sources seen in other report kinds.
func (s *Service) Sources(ctx context.Context, srcs []*mapping.Source) {
	addrs, infos := s.lookup(ctx, srcs)
	for i, src := range srcs {
		s.fill(src, infos[addrs[i]], nil)
	}
}

func dkimPassed(a mapping.AuthDKIM) []string {
	var out []string
	for i, d := range a.Domains {
		if i < len(a.Results) && strings.EqualFold(strings.TrimSpace(a.Results[i]), "pass") && d != "" {
			out = append(out, d)
		}
	}
	return out
}

// Close stops background lookups and releases the databases. It is safe to
// call more than once.
func (s *Service) Close() error {
	var err error
	s.once.Do(func() {
		if s.dns != nil {
			s.dns.Close()
		}
		if s.geo != nil {
			err = s.geo.Close()
		}
	})
	return err
}
