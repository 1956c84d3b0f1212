package enrich

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/go-viper/mapstructure/v2"
	"github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/providers/file"
	"github.com/knadh/koanf/v2"
)

// The enrich section of config.example.yaml documents the defaults.
func TestExampleMatchesDefaults(t *testing.T) {
	k := koanf.New(".")
	if err := k.Load(file.Provider("../config.example.yaml"), yaml.Parser()); err != nil {
		t.Fatal(err)
	}
	var got Config
	err := k.UnmarshalWithConf("enrich", &got, koanf.UnmarshalConf{DecoderConfig: &mapstructure.DecoderConfig{
		TagName: "koanf", ErrorUnused: true, WeaklyTypedInput: true, Result: &got,
		DecodeHook: mapstructure.StringToTimeDurationHookFunc(),
	}})
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultConfig()
	gd, wd := got.DNS, want.DNS
	if len(gd.Servers) != 0 || len(got.GeoIP.Databases) != 0 || len(got.Senders) != 0 || got.GeoIP.DisableEmbedded {
		t.Errorf("example sets lists or switches: %+v", got)
	}
	gd.Servers, wd.Servers = nil, nil
	if !reflect.DeepEqual(gd, wd) {
		t.Errorf("example dns section:\n got %+v\nwant %+v", gd, wd)
	}
}

func TestValidate(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	for _, tc := range []struct {
		mutate func(*Config)
		keys   []string
	}{
		{func(c *Config) { c.DNS.Timeout, c.DNS.Concurrency = 0, -1 }, []string{"enrich.dns.timeout", "enrich.dns.concurrency"}},
		{func(c *Config) { c.DNS.BatchBudget, c.DNS.BreakerCooldown, c.DNS.CacheTTL = 0, 0, 0 },
			[]string{"enrich.dns.batch_budget", "enrich.dns.breaker_cooldown", "enrich.dns.cache_ttl"}},
		{func(c *Config) { c.DNS.BreakerThreshold, c.DNS.CacheSize, c.DNS.NegativeTTL = 0, -1, -1 },
			[]string{"enrich.dns.breaker_threshold", "enrich.dns.cache_size", "enrich.dns.negative_ttl"}},
		{func(c *Config) { c.DNS.Servers = []string{"127.0.0.1:53", "", "1.1.1.1:"} }, []string{"enrich.dns.servers[1]", "enrich.dns.servers[2]"}},
		{func(c *Config) { c.GeoIP.Databases = []string{" "} }, []string{"enrich.geoip.databases[0]"}},
		{func(c *Config) { c.Senders = []SenderEntry{{Name: "x"}, {ASNs: []uint32{1}}} }, []string{"enrich.senders[0]", "enrich.senders[1].name"}},
	} {
		cfg := DefaultConfig()
		tc.mutate(&cfg)
		err := cfg.Validate()
		for _, k := range tc.keys {
			if err == nil || !strings.Contains(err.Error(), k) {
				t.Errorf("want an error naming %s, got %v", k, err)
			}
		}
	}
	// Offline DNS needs no DNS settings.
	cfg := DefaultConfig()
	cfg.DNS = DNSConfig{Offline: true}
	if err := cfg.Validate(); err != nil {
		t.Errorf("offline: %v", err)
	}
	cfg = DefaultConfig()
	cfg.DNS.Servers = []string{"127.0.0.1", "[::1]:5353", "dns.example"}
	if err := cfg.Validate(); err != nil || !slices.Equal(cfg.DNS.Servers, []string{"127.0.0.1", "[::1]:5353", "dns.example"}) {
		t.Errorf("servers: %v", err)
	}
}
