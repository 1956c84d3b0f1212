package enrich

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/dmarc-agent/dmarc-agent/enrich/geoip"
	"github.com/dmarc-agent/dmarc-agent/enrich/rdns"
	"github.com/dmarc-agent/dmarc-agent/enrich/senders"
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
	caches  cachePool // per-worker caches, taken for one batch at a time
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
