package enrich

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/dmarc-agent/dmarc-agent/enrich/rdns"
)

// Config is the `enrich` section.
type Config struct {
	GeoIP   GeoIPConfig   `koanf:"geoip"`
	DNS     DNSConfig     `koanf:"dns"`
	Senders []SenderEntry `koanf:"senders"`
}

// GeoIPConfig lists user-supplied MaxMind-format databases (GeoLite2/GeoIP2
// City, Country, ASN; DB-IP Lite; IPinfo Lite). Their type is read from their
// metadata; they take precedence over the embedded database.
type GeoIPConfig struct {
	Databases []string `koanf:"databases"`
	// DisableEmbedded turns off the embedded country + AS database.
	DisableEmbedded bool `koanf:"disable_embedded"`
}

// DNSConfig configures reverse DNS.
type DNSConfig struct {
	// Offline turns reverse DNS off entirely.
	Offline        bool          `koanf:"offline"`
	Timeout        time.Duration `koanf:"timeout"`
	Concurrency    int           `koanf:"concurrency"`
	CacheTTL       time.Duration `koanf:"cache_ttl"`
	NegativeTTL    time.Duration `koanf:"negative_ttl"`
	CacheSize      int           `koanf:"cache_size"`
	ForwardConfirm bool          `koanf:"forward_confirm"`
	// Servers overrides the system resolver ("host:port"); empty uses the system's.
	Servers []string `koanf:"servers"`
	// BatchBudget is the longest one batch (one report) waits for reverse
	// DNS; lookups still running then finish in the background for later
	// batches.
	BatchBudget time.Duration `koanf:"batch_budget"`
	// BreakerThreshold consecutive timeouts suspend lookups for
	// BreakerCooldown; then one probe decides whether they resume.
	BreakerThreshold int           `koanf:"breaker_threshold"`
	BreakerCooldown  time.Duration `koanf:"breaker_cooldown"`
}

// SenderEntry is a user-defined sender catalogue entry. Any of the matchers
// identifies the sender.
type SenderEntry struct {
	Name        string   `koanf:"name"`
	Type        string   `koanf:"type"`
	PTRDomains  []string `koanf:"ptr_domains"`
	ASNs        []uint32 `koanf:"asns"`
	DKIMDomains []string `koanf:"dkim_domains"`
	// Domains lists the policy domains this sender legitimately sends for
	// (empty: any); used by the verdict to tell misconfigured from spoofed.
	Domains []string `koanf:"domains"`
}

// DefaultConfig returns the defaults: reverse DNS on with a short timeout.
func DefaultConfig() Config {
	return Config{DNS: DNSConfig{
		Timeout:          2 * time.Second,
		Concurrency:      32,
		CacheTTL:         24 * time.Hour,
		NegativeTTL:      time.Hour,
		CacheSize:        100000,
		BatchBudget:      5 * time.Second,
		BreakerThreshold: 10,
		BreakerCooldown:  time.Minute,
	}}
}

// Validate checks the values.
func (c Config) Validate() error {
	var errs []error
	if !c.DNS.Offline {
		if c.DNS.Timeout <= 0 {
			errs = append(errs, fmt.Errorf("enrich.dns.timeout: must be positive, got %s", c.DNS.Timeout))
		}
		if c.DNS.Concurrency <= 0 {
			errs = append(errs, fmt.Errorf("enrich.dns.concurrency: must be positive, got %d", c.DNS.Concurrency))
		}
		for _, d := range []struct {
			key string
			v   time.Duration
		}{{"cache_ttl", c.DNS.CacheTTL}, {"batch_budget", c.DNS.BatchBudget}, {"breaker_cooldown", c.DNS.BreakerCooldown}} {
			if d.v <= 0 {
				errs = append(errs, fmt.Errorf("enrich.dns.%s: must be positive, got %s", d.key, d.v))
			}
		}
		if c.DNS.NegativeTTL < 0 {
			errs = append(errs, fmt.Errorf("enrich.dns.negative_ttl: must not be negative, got %s", c.DNS.NegativeTTL))
		}
		if c.DNS.CacheSize < 0 {
			errs = append(errs, fmt.Errorf("enrich.dns.cache_size: must not be negative, got %d", c.DNS.CacheSize))
		}
		if c.DNS.BreakerThreshold <= 0 {
			errs = append(errs, fmt.Errorf("enrich.dns.breaker_threshold: must be positive, got %d", c.DNS.BreakerThreshold))
		}
		for i, srv := range c.DNS.Servers {
			if _, port, err := net.SplitHostPort(rdns.ServerAddr(srv)); err != nil || port == "" || strings.TrimSpace(srv) == "" {
				errs = append(errs, fmt.Errorf("enrich.dns.servers[%d]: %q is not host or host:port", i, srv))
			}
		}
	}
	for i, p := range c.GeoIP.Databases {
		if strings.TrimSpace(p) == "" {
			errs = append(errs, fmt.Errorf("enrich.geoip.databases[%d]: empty path", i))
		}
	}
	for i, s := range c.Senders {
		if s.Name == "" {
			errs = append(errs, fmt.Errorf("enrich.senders[%d].name: required", i))
		}
		if len(s.PTRDomains)+len(s.ASNs)+len(s.DKIMDomains) == 0 {
			errs = append(errs, fmt.Errorf("enrich.senders[%d]: needs ptr_domains, asns or dkim_domains", i))
		}
	}
	return errors.Join(errs...)
}
