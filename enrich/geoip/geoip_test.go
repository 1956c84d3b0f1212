package geoip

import (
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// fixture writes a MaxMind-format database of the given type holding
// networks → records, the way the vendors lay them out.
func fixture(t *testing.T, dbType string, ipVersion int, nets map[string]mmdbtype.Map) string {
	t.Helper()
	tree, err := mmdbwriter.New(mmdbwriter.Options{DatabaseType: dbType, IPVersion: ipVersion, RecordSize: 24})
	if err != nil {
		t.Fatal(err)
	}
	for cidr, rec := range nets {
		_, n, err := net.ParseCIDR(cidr)
		if err != nil {
			t.Fatal(err)
		}
		if err := tree.Insert(n, rec); err != nil {
			t.Fatalf("insert %s: %v", cidr, err)
		}
	}
	path := filepath.Join(t.TempDir(), strings.ReplaceAll(dbType, " ", "_")+".mmdb")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tree.WriteTo(f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

type m = mmdbtype.Map
type s = mmdbtype.String

func langNames(en string) m { return m{"en": s(en), "de": s("x-" + en)} }

// MaxMind's nested city layout (GeoLite2-City, GeoIP2-City, DB-IP City Lite).
var mmCity = m{
	"continent": m{"code": s("EU"), "names": langNames("Europe")},
	"country":   m{"iso_code": s("GB"), "names": langNames("United Kingdom"), "geoname_id": mmdbtype.Uint32(2635167)},
	"city":      m{"names": langNames("Boxford")},
	"subdivisions": mmdbtype.Slice{
		m{"iso_code": s("ENG"), "names": langNames("England")},
		m{"iso_code": s("WBK"), "names": langNames("West Berkshire")},
	},
	"location": m{"latitude": mmdbtype.Float64(51.75), "longitude": mmdbtype.Float64(-1.25), "accuracy_radius": mmdbtype.Uint16(100)},
}

func TestLayouts(t *testing.T) {
	v4 := netip.MustParseAddr("81.2.69.160")
	for _, tc := range []struct {
		name, dbType string
		rec          m
		want         Record
	}{
		{"GeoLite2-City", "GeoLite2-City", mmCity, Record{CountryISOCode: "GB", CountryName: "United Kingdom",
			CityName: "Boxford", RegionName: "England", HasLocation: true, Lat: 51.75, Lon: -1.25}},
		{"GeoIP2-City", "GeoIP2-City", mmCity, Record{CountryISOCode: "GB", CountryName: "United Kingdom",
			CityName: "Boxford", RegionName: "England", HasLocation: true, Lat: 51.75, Lon: -1.25}},
		{"DB-IP City Lite", "DBIP-City-Lite", mmCity, Record{CountryISOCode: "GB", CountryName: "United Kingdom",
			CityName: "Boxford", RegionName: "England", HasLocation: true, Lat: 51.75, Lon: -1.25}},
		{"GeoLite2-Country", "GeoLite2-Country", m{"country": m{"iso_code": s("DE"), "names": langNames("Germany")}},
			Record{CountryISOCode: "DE", CountryName: "Germany"}},
		{"GeoLite2-Country registered country only", "GeoLite2-Country",
			m{"registered_country": m{"iso_code": s("SE"), "names": langNames("Sweden")}},
			Record{CountryISOCode: "SE", CountryName: "Sweden"}},
		{"DB-IP Country Lite", "DBIP-Country-Lite", m{"country": m{"iso_code": s("FR"), "names": langNames("France")}},
			Record{CountryISOCode: "FR", CountryName: "France"}},
		{"GeoLite2-ASN", "GeoLite2-ASN", m{"autonomous_system_number": mmdbtype.Uint32(20712), "autonomous_system_organization": s("Andrews & Arnold Ltd")},
			Record{ASN: 20712, ASOrg: "Andrews & Arnold Ltd"}},
		{"DB-IP ASN Lite", "DBIP-ASN-Lite (compat=GeoLite2-ASN)", m{"autonomous_system_number": mmdbtype.Uint32(20712), "autonomous_system_organization": s("Andrews & Arnold Ltd")},
			Record{ASN: 20712, ASOrg: "Andrews & Arnold Ltd"}},
		{"IPinfo Lite", "ipinfo lite.mmdb", m{"country": s("United Kingdom"), "country_code": s("GB"), "continent": s("Europe"),
			"continent_code": s("EU"), "asn": s("AS20712"), "as_name": s("Andrews & Arnold Ltd"), "as_domain": s("aa.net.uk")},
			Record{CountryISOCode: "GB", CountryName: "United Kingdom", ASN: 20712, ASOrg: "Andrews & Arnold Ltd"}},
		{"IPinfo Country ASN", "ipinfo country_asn.mmdb", m{"country": s("GB"), "country_name": s("United Kingdom"),
			"asn": s("AS20712"), "as_name": s("Andrews & Arnold Ltd")},
			Record{CountryISOCode: "GB", CountryName: "United Kingdom", ASN: 20712, ASOrg: "Andrews & Arnold Ltd"}},
		{"IPinfo without ASN", "ipinfo lite.mmdb", m{"country": s("United Kingdom"), "country_code": s("GB"), "asn": s("")},
			Record{CountryISOCode: "GB", CountryName: "United Kingdom"}},
		{"ip-location-db city (flat, name derived)", "city", m{"city": s("Boxford"), "country_code": s("gb"), "state1": s("England"),
			"latitude": mmdbtype.Float32(51.75), "longitude": mmdbtype.Float32(-1.25)},
			Record{CountryISOCode: "GB", CountryName: "United Kingdom", CityName: "Boxford", RegionName: "England", HasLocation: true, Lat: 51.75, Lon: -1.25}},
		{"ip-location-db asn", "asn", m{"autonomous_system_number": mmdbtype.Uint32(20712), "autonomous_system_organization": s("Andrews & Arnold Ltd")},
			Record{ASN: 20712, ASOrg: "Andrews & Arnold Ltd"}},
		{"location at 0,0 is a location", "GeoLite2-City", m{"location": m{"latitude": mmdbtype.Float64(0), "longitude": mmdbtype.Float64(0)}},
			Record{HasLocation: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := fixture(t, tc.dbType, 6, map[string]mmdbtype.Map{"81.2.69.0/24": tc.rec})
			db, err := Open([]string{path}, true)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			got, err := db.Lookup(v4)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
			miss, err := db.Lookup(netip.MustParseAddr("2001:db8::1"))
			if err != nil || !miss.Empty() {
				t.Errorf("address outside the fixture: %+v, %v", miss, err)
			}
		})
	}
}

func TestUnsupportedType(t *testing.T) {
	for _, typ := range []string{"GeoIP2-Anonymous-IP", "GeoIP2-Connection-Type", "something else", ""} {
		path := fixture(t, typ, 6, map[string]mmdbtype.Map{"81.2.69.0/24": {"x": s("y")}})
		_, err := Open([]string{path}, true)
		if err == nil || !strings.Contains(err.Error(), "unsupported database type") || !strings.Contains(err.Error(), path) {
			t.Errorf("%q: err = %v", typ, err)
		}
	}
}

func TestMissingAndCorruptFiles(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.mmdb")
	if err := os.WriteFile(bad, []byte("not a database"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{filepath.Join(t.TempDir(), "missing.mmdb"), bad} {
		if _, err := Open([]string{p}, false); err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: err = %v", p, err)
		}
	}
}

// A user database wins for the groups it has; the embedded one fills the rest.
func TestPrecedence(t *testing.T) {
	city := fixture(t, "GeoLite2-City", 6, map[string]mmdbtype.Map{"8.8.8.0/24": mmCity})
	asn := fixture(t, "GeoLite2-ASN", 6, map[string]mmdbtype.Map{"8.8.0.0/16": {"autonomous_system_number": mmdbtype.Uint32(64500), "autonomous_system_organization": s("First ASN DB")}})
	asn2 := fixture(t, "GeoLite2-ASN", 6, map[string]mmdbtype.Map{"8.8.0.0/16": {"autonomous_system_number": mmdbtype.Uint32(64501), "autonomous_system_organization": s("Second ASN DB")}})

	db, err := Open([]string{city}, false)
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.Lookup(netip.MustParseAddr("8.8.8.8"))
	db.Close()
	want := Record{CountryISOCode: "GB", CountryName: "United Kingdom", CityName: "Boxford", RegionName: "England",
		HasLocation: true, Lat: 51.75, Lon: -1.25, ASN: 15169, ASOrg: "Google LLC"}
	if err != nil || got != want {
		t.Errorf("city + embedded: got %+v (%v)\nwant %+v", got, err, want)
	}

	db, err = Open([]string{asn, asn2, city}, false)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n := len(db.Databases()); n != 4 || db.Databases()[3].Path != "embedded" || db.Databases()[3].Type != EmbeddedType {
		t.Errorf("databases: %+v", db.Databases())
	}
	got, _ = db.Lookup(netip.MustParseAddr("8.8.8.8"))
	if got.ASN != 64500 || got.ASOrg != "First ASN DB" || got.CityName != "Boxford" {
		t.Errorf("first listed database must win: %+v", got)
	}
	// Outside the user databases the embedded one still answers.
	got, _ = db.Lookup(netip.MustParseAddr("1.1.1.1"))
	if got.ASN != 13335 || got.CountryISOCode == "" || got.CityName != "" {
		t.Errorf("1.1.1.1: %+v", got)
	}
}

func TestIPv4OnlyDatabase(t *testing.T) {
	path := fixture(t, "GeoLite2-Country", 4, map[string]mmdbtype.Map{"81.2.69.0/24": {"country": m{"iso_code": s("GB")}}})
	db, err := Open([]string{path}, true)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got, err := db.Lookup(netip.MustParseAddr("::ffff:81.2.69.1")); err != nil || got.CountryISOCode != "GB" || got.CountryName != "United Kingdom" {
		t.Errorf("mapped v4: %+v %v", got, err)
	}
	if got, err := db.Lookup(netip.MustParseAddr("2001:db8::1")); err != nil || !got.Empty() {
		t.Errorf("v6 in a v4 database: %+v %v", got, err)
	}
}

// A record whose types do not fit the layout is an error for that database
// only; the next one still answers.
func TestCorruptRecordDoesNotStopOthers(t *testing.T) {
	bad := fixture(t, "GeoLite2-ASN", 6, map[string]mmdbtype.Map{"8.8.8.0/24": {"autonomous_system_number": s("not a number")}})
	db, err := Open([]string{bad}, false)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, err := db.Lookup(netip.MustParseAddr("8.8.8.8"))
	if err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("want an error naming %s, got %v", bad, err)
	}
	if got.ASN != 15169 || got.CountryISOCode != "US" {
		t.Errorf("embedded answer lost: %+v", got)
	}
}
