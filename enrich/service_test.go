package enrich

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dmarc-agent/dmarc-agent/mapping"
)

// record builds an aggregate document the way the report mapping does.
func record(ip, headerFrom string, dkim, spf string, dkimDomains, dkimResults, spfDomains, spfResults []string) *mapping.AggregateDoc {
	d := &mapping.AggregateDoc{}
	d.Policy.Domain = "example.com"
	d.Source.IP = ip
	d.Identifiers.HeaderFrom = headerFrom
	d.DMARC.DKIM, d.DMARC.SPF = dkim, spf
	d.DMARC.Pass = mapping.PassOf(dkim == "pass" || spf == "pass")
	d.Auth.DKIM.Domains, d.Auth.DKIM.Results = dkimDomains, dkimResults
	d.Auth.SPF.Domains, d.Auth.SPF.Results = spfDomains, spfResults
	return d
}

func doneWhenDocs() []*mapping.AggregateDoc {
	s := func(v ...string) []string { return v }
	return []*mapping.AggregateDoc{
		record("8.8.8.8", "example.com", "fail", "fail", nil, nil, s("attacker.example"), s("fail")),
		record("2001:4860:4860::8888", "example.com", "pass", "fail", s("example.com"), s("pass"), s("example.com"), s("softfail")),
		record("40.107.0.1", "example.com", "pass", "pass", s("example.com", "example.onmicrosoft.com"), s("pass", "pass"), s("example.com"), s("pass")),
		record("209.85.220.41", "example.com", "fail", "fail", s("example.com"), s("fail"), s("example.com"), s("fail")),
	}
}

// The done-when check of issue 6: with no configuration and no network,
// the four sources get countries, AS numbers and organisations from the
// embedded database, and the Google and Microsoft ones a sender name.
// Run twice: DNS on but unreachable (the default), and DNS offline.
func TestNoConfigNoNetwork(t *testing.T) {
	for _, offline := range []bool{false, true} {
		t.Run(fmt.Sprint("offline=", offline), func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.DNS.Offline = offline
			svc := newTestService(t, cfg, &resolver{down: true})
			docs := doneWhenDocs()
			svc.Aggregate(context.Background(), docs)
			got, err := json.MarshalIndent(docs, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "no_config_no_network.golden.json", got)

			want := []struct {
				country, name string
				asn           uint32
				org, sender   string
				by, verdict   string
			}{
				{"US", "United States", 15169, "Google LLC", "Google Workspace / Gmail", "asn", "spoofed"},
				{"CA", "Canada", 15169, "Google LLC", "Google Workspace / Gmail", "asn", "forwarded"},
				{"FR", "France", 8075, "Microsoft Corporation", "Microsoft 365 / Outlook.com", "dkim", "aligned"},
				{"US", "United States", 15169, "Google LLC", "Google Workspace / Gmail", "asn", "misconfigured"},
			}
			for i, w := range want {
				src := docs[i].Source
				if src.Geo == nil || src.Geo.CountryISOCode != w.country || src.Geo.CountryName != w.name ||
					src.AS == nil || src.AS.Number != w.asn || src.AS.Organization == nil || src.AS.Organization.Name != w.org ||
					src.Sender == nil || src.Sender.Name != w.sender || src.Sender.MatchedBy != w.by ||
					src.Domain != "" || docs[i].DMARC.Verdict != w.verdict {
					t.Errorf("%s: %+v geo=%+v as=%+v sender=%+v verdict=%s", src.IP, src, src.Geo, src.AS, src.Sender, docs[i].DMARC.Verdict)
				}
			}
		})
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(bytes.TrimSpace(want), bytes.TrimSpace(got)) {
		t.Errorf("%s differs (go test -update rewrites it):\n%s", path, got)
	}
}

// Reverse DNS, a user City database and a user sender entry together.
func TestUserDataAndReverseDNS(t *testing.T) {
	cfg := DefaultConfig()
	cfg.GeoIP.Databases = []string{cityDB(t, "192.0.2.0/24")}
	cfg.Senders = []SenderEntry{{Name: "Example relays", PTRDomains: []string{"relay.example.com"}, Domains: []string{"example.com"}}}
	svc := newTestService(t, cfg, &resolver{ptr: map[string]string{
		"192.0.2.10":    "Out1.Relay.Example.COM.",
		"54.240.8.1":    "a8-1.smtp-out.amazonses.com.",
		"209.85.220.41": "mail-sor-f41.google.com.",
		"3.5.7.9":       "ec2-3-5-7-9.compute-1.amazonaws.com.",
	}})
	s := func(v ...string) []string { return v }
	docs := []*mapping.AggregateDoc{
		record("192.0.2.10", "example.com", "fail", "fail", nil, nil, s("example.com"), s("fail")),
		record("54.240.8.1", "example.com", "pass", "fail", s("example.com", "amazonses.com"), s("pass", "pass"), s("amazonses.com"), s("pass")),
		record("209.85.220.41", "example.com", "fail", "fail", s("googlegroups.com"), s("pass"), s("example.com"), s("fail")),
		record("3.5.7.9", "example.com", "fail", "fail", nil, nil, s("example.com"), s("fail")),
		record("::ffff:192.0.2.10", "example.com", "pass", "pass", nil, nil, nil, nil),
	}
	svc.Aggregate(context.Background(), docs)
	for i, w := range []struct {
		domain, base, sender, by, verdict, city string
	}{
		{"out1.relay.example.com", "example.com", "Example relays", "ptr", "misconfigured", "Berlin"},
		{"a8-1.smtp-out.amazonses.com", "amazonses.com", "Amazon SES", "ptr", "aligned", ""},
		{"mail-sor-f41.google.com", "google.com", "Google Groups", "dkim", "forwarded", ""},
		{"ec2-3-5-7-9.compute-1.amazonaws.com", "amazonaws.com", "Amazon Web Services (EC2)", "ptr", "spoofed", ""},
		{"out1.relay.example.com", "example.com", "Example relays", "ptr", "aligned", "Berlin"},
	} {
		src := docs[i].Source
		city := ""
		if src.Geo != nil {
			city = src.Geo.CityName
		}
		if src.Domain != w.domain || src.BaseDomain != w.base || src.Sender == nil || src.Sender.Name != w.sender ||
			src.Sender.MatchedBy != w.by || docs[i].DMARC.Verdict != w.verdict || city != w.city {
			t.Errorf("%s: domain=%q base=%q sender=%+v verdict=%s city=%q", src.IP, src.Domain, src.BaseDomain, src.Sender, docs[i].DMARC.Verdict, city)
		}
	}
	g := docs[0].Source.Geo
	if g.CountryISOCode != "DE" || g.RegionName != "Land Berlin" || g.Location == nil || g.Location.Lat != 52.5 || g.Location.Lon != 13.4 {
		t.Errorf("city database: %+v %+v", g, g.Location)
	}
	if docs[0].Source.AS != nil {
		t.Errorf("192.0.2.0/24 is documentation space, the embedded database has no AS: %+v", docs[0].Source.AS)
	}
}

// A DNS server that never answers costs one batch budget, not a timeout per
// address; once the breaker opens later batches do not wait at all.
func TestNeverAnsweringDNSWithinBudget(t *testing.T) {
	cfg := DefaultConfig()
	cfg.DNS.Timeout = 30 * time.Second
	cfg.DNS.BatchBudget = 200 * time.Millisecond
	svc := newTestService(t, cfg, &resolver{hang: true})
	var docs []*mapping.AggregateDoc
	for i := range 200 {
		docs = append(docs, record(fmt.Sprintf("209.85.%d.%d", 200+i/250, i%250+1), "example.com", "fail", "fail", nil, nil, nil, nil))
	}
	start := time.Now()
	svc.Aggregate(context.Background(), docs)
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("batch took %s with a 200ms budget", d)
	}
	for _, d := range docs {
		if d.Source.AS == nil || d.Source.AS.Number != 15169 || d.DMARC.Verdict != "spoofed" || d.Source.Domain != "" {
			t.Fatalf("%s: %+v verdict %s", d.Source.IP, d.Source, d.DMARC.Verdict)
		}
	}
}

func TestBadInputNeverStopsTheBatch(t *testing.T) {
	cfg := DefaultConfig()
	cfg.DNS.Offline = true
	svc := newTestService(t, cfg, nil)
	docs := []*mapping.AggregateDoc{
		record("not-an-ip", "example.com", "fail", "fail", nil, nil, nil, nil),
		record("", "", "", "", nil, nil, nil, nil),
		record(" 8.8.8.8 ", "example.com", "pass", "", s2("example.com"), nil, nil, nil),
		record("fe80::1%eth0", "example.com", "fail", "fail", nil, nil, nil, nil),
	}
	docs[1].Source.Geo = &mapping.Geo{CountryISOCode: "stale"}
	svc.Aggregate(context.Background(), docs)
	if docs[0].Source.Geo != nil || docs[0].DMARC.Verdict != "spoofed" {
		t.Errorf("bad IP: %+v %s", docs[0].Source, docs[0].DMARC.Verdict)
	}
	if docs[1].Source.Geo != nil || docs[1].DMARC.Verdict != "spoofed" {
		t.Errorf("empty record: %+v %s", docs[1].Source, docs[1].DMARC.Verdict)
	}
	if docs[2].Source.AS == nil || docs[2].Source.AS.Number != 15169 || docs[2].DMARC.Verdict != "aligned" {
		t.Errorf("padded IP: %+v %s", docs[2].Source, docs[2].DMARC.Verdict)
	}
	if docs[3].Source.Geo != nil || docs[3].Source.AS != nil || docs[3].DMARC.Verdict != "spoofed" {
		t.Errorf("link-local: %+v", docs[3].Source)
	}
	svc.Aggregate(context.Background(), nil) // an empty batch is fine
}

func s2(v ...string) []string { return v }

func TestSources(t *testing.T) {
	svc := newTestService(t, DefaultConfig(), &resolver{ptr: map[string]string{"40.107.0.1": "mail-dm6nam10on2001.outbound.protection.outlook.com."}})
	srcs := []*mapping.Source{{IP: "40.107.0.1"}, {IP: "8.8.8.8"}, {IP: "bogus"}}
	svc.Sources(context.Background(), srcs)
	if s := srcs[0]; s.BaseDomain != "outlook.com" || s.Sender == nil || s.Sender.Name != "Microsoft 365 / Outlook.com" || s.Sender.MatchedBy != "ptr" || s.AS.Number != 8075 {
		t.Errorf("%+v %+v", s, s.Sender)
	}
	if s := srcs[1]; s.Sender == nil || s.Sender.MatchedBy != "asn" || s.Geo.CountryISOCode != "US" {
		t.Errorf("%+v", s)
	}
	if s := srcs[2]; s.Geo != nil || s.Sender != nil {
		t.Errorf("%+v", s)
	}
}

func TestNewErrors(t *testing.T) {
	for name, mutate := range map[string]func(*Config){
		"missing database": func(c *Config) { c.GeoIP.Databases = []string{filepath.Join(t.TempDir(), "nope.mmdb")} },
		"invalid config":   func(c *Config) { c.DNS.Timeout = 0 },
		"nameless sender":  func(c *Config) { c.Senders = []SenderEntry{{ASNs: []uint32{1}}} },
	} {
		cfg := DefaultConfig()
		mutate(&cfg)
		if s, err := New(context.Background(), cfg, discard(), nil); err == nil {
			s.Close()
			t.Errorf("%s: no error", name)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := New(ctx, DefaultConfig(), discard(), nil); err == nil {
		t.Error("cancelled context: no error")
	}
	// No database at all is allowed: geo stays empty, the rest works.
	cfg := DefaultConfig()
	cfg.GeoIP.DisableEmbedded, cfg.DNS.Offline = true, true
	svc := newTestService(t, cfg, nil)
	docs := []*mapping.AggregateDoc{record("8.8.8.8", "example.com", "pass", "pass", nil, nil, nil, nil)}
	svc.Aggregate(context.Background(), docs)
	if docs[0].Source.Geo != nil || docs[0].Source.AS != nil || docs[0].DMARC.Verdict != "aligned" {
		t.Errorf("%+v", docs[0])
	}
	if err := svc.Close(); err != nil {
		t.Error(err)
	}
	if err := svc.Close(); err != nil {
		t.Error("second Close:", err)
	}
}
