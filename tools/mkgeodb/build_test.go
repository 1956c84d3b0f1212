package main

import (
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
	"github.com/oschwald/maxminddb-golang/v2"
)

// A small end-to-end build: an ip-location-db style country mmdb and ASN
// CSVs merge into one database with the four fields.
func TestRun(t *testing.T) {
	dir := t.TempDir()
	tree, err := mmdbwriter.New(mmdbwriter.Options{DatabaseType: "country"})
	if err != nil {
		t.Fatal(err)
	}
	for cidr, code := range map[string]string{"8.8.8.0/24": "US", "81.2.64.0/18": "GB", "2001:4860::/32": "CA", "9.9.9.0/24": "ZZ"} {
		_, n, _ := net.ParseCIDR(cidr)
		if err := tree.Insert(n, mmdbtype.Map{"country_code": mmdbtype.String(code)}); err != nil {
			t.Fatal(err)
		}
	}
	country := filepath.Join(dir, "dbip-country.mmdb")
	f, _ := os.Create(country)
	if _, err := tree.WriteTo(f); err != nil {
		t.Fatal(err)
	}
	f.Close()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("asn-ipv4.csv", "8.8.8.0,8.8.8.255,15169,Google LLC\n81.2.69.0,81.2.69.255,20712,\"Andrews & Arnold Ltd\"\n10.0.0.0,10.255.255.255,64512,Private\n1.2.3.0,1.2.3.255,0,Nobody\n")
	write("asn-ipv6.csv", "2001:4860::,2001:4860:ffff:ffff:ffff:ffff:ffff:ffff,15169,Google LLC\n")
	out := filepath.Join(dir, "out.mmdb")
	err = run(options{countryDB: country, asnDir: dir, out: out, countryVersion: "2.3.2026060120", asnVersion: "2.3.2026061719"},
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	db, err := maxminddb.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if db.Metadata.DatabaseType != DatabaseType || db.Metadata.BuildEpoch != 1781722800 || db.Metadata.RecordSize != 24 {
		t.Errorf("metadata %+v", db.Metadata)
	}
	type rec struct {
		Code  string `maxminddb:"country_code"`
		Name  string `maxminddb:"country_name"`
		ASN   uint32 `maxminddb:"asn"`
		ASOrg string `maxminddb:"as_org"`
	}
	for ip, want := range map[string]rec{
		"8.8.8.8":         {"US", "United States", 15169, "Google LLC"},
		"81.2.69.160":     {"GB", "United Kingdom", 20712, "Andrews & Arnold Ltd"},
		"81.2.70.1":       {"GB", "United Kingdom", 0, ""},
		"2001:4860::8888": {"CA", "Canada", 15169, "Google LLC"},
		"::ffff:8.8.8.8":  {"US", "United States", 15169, "Google LLC"},
		"9.9.9.9":         {}, // ZZ is no country
		"10.1.1.1":        {}, // reserved: skipped
		"1.2.3.4":         {}, // AS 0: skipped
	} {
		var got rec
		if err := db.Lookup(netip.MustParseAddr(ip)).Decode(&got); err != nil || got != want {
			t.Errorf("%s: %+v (%v), want %+v", ip, got, err, want)
		}
	}
	if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("output mode: %v %v", fi, err)
	}
}

func TestRunBadInput(t *testing.T) {
	dir := t.TempDir()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	err := run(options{countryDB: filepath.Join(dir, "missing.mmdb"), asnDir: dir, out: filepath.Join(dir, "o"), countryVersion: "1.2026010100", asnVersion: "1.2026010100"}, logger)
	if err == nil {
		t.Error("missing country database accepted")
	}
	if err := run(options{countryVersion: "x", asnVersion: "y"}, logger); err == nil {
		t.Error("bad versions accepted")
	}
}
