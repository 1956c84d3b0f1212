package geoip

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/dmarc-agent/dmarc-agent/enrich/geoip/countryname"
	"github.com/oschwald/maxminddb-golang/v2"
)

// Layout names how a database lays out its records.
type Layout string

const (
	// LayoutMaxMind is the nested layout of MaxMind GeoIP2/GeoLite2 City,
	// Country, ASN, ISP and Enterprise, also used by DB-IP Lite downloads.
	LayoutMaxMind Layout = "maxmind"
	// LayoutFlat is the flat layout of the embedded database and of the
	// ip-location-db mmdb packages (country_code, city, state1, latitude…).
	LayoutFlat Layout = "flat"
	// LayoutIPinfo is the flat layout of IPinfo Lite and IPinfo Country ASN.
	LayoutIPinfo Layout = "ipinfo"
)

// layoutFor picks the layout from metadata.database_type.
func layoutFor(dbType string) (Layout, error) {
	t := strings.ToLower(dbType)
	switch {
	case t == EmbeddedType, t == "country", t == "city", t == "asn", strings.HasPrefix(t, "ip-location-db"):
		return LayoutFlat, nil
	case strings.Contains(t, "ipinfo"):
		return LayoutIPinfo, nil
	case strings.HasPrefix(t, "geoip2-"), strings.HasPrefix(t, "geolite2-"),
		strings.HasPrefix(t, "dbip-"), strings.HasPrefix(t, "geoip-"):
		for _, kind := range []string{"city", "country", "asn", "isp", "enterprise", "location"} {
			if strings.Contains(t, kind) {
				return LayoutMaxMind, nil
			}
		}
	}
	return "", fmt.Errorf("unsupported database type %q (want MaxMind/DB-IP City, Country or ASN, IPinfo Lite, or ip-location-db)", dbType)
}

type names struct {
	EN string `maxminddb:"en"`
}

type mmCountry struct {
	ISOCode string `maxminddb:"iso_code"`
	Names   names  `maxminddb:"names"`
}

type mmRecord struct {
	Country           mmCountry `maxminddb:"country"`
	RegisteredCountry mmCountry `maxminddb:"registered_country"`
	City              struct {
		Names names `maxminddb:"names"`
	} `maxminddb:"city"`
	Subdivisions []struct {
		Names names `maxminddb:"names"`
	} `maxminddb:"subdivisions"`
	Location struct {
		Latitude  *float64 `maxminddb:"latitude"`
		Longitude *float64 `maxminddb:"longitude"`
	} `maxminddb:"location"`
	ASN   uint32 `maxminddb:"autonomous_system_number"`
	ASOrg string `maxminddb:"autonomous_system_organization"`
}

type flatRecord struct {
	CountryCode string   `maxminddb:"country_code"`
	CountryName string   `maxminddb:"country_name"`
	City        string   `maxminddb:"city"`
	State1      string   `maxminddb:"state1"`
	Latitude    *float64 `maxminddb:"latitude"`
	Longitude   *float64 `maxminddb:"longitude"`
	ASN         uint32   `maxminddb:"asn"`
	ASOrg       string   `maxminddb:"as_org"`
	ASNumber    uint32   `maxminddb:"autonomous_system_number"`
	ASOrgLong   string   `maxminddb:"autonomous_system_organization"`
}

type ipinfoRecord struct {
	Country     string `maxminddb:"country"`
	CountryCode string `maxminddb:"country_code"`
	CountryName string `maxminddb:"country_name"`
	ASN         string `maxminddb:"asn"`
	ASName      string `maxminddb:"as_name"`
}

// decode reads one lookup result into a Record according to the layout.
func (l Layout) decode(res maxminddb.Result) (Record, error) {
	var r Record
	switch l {
	case LayoutMaxMind:
		var m mmRecord
		if err := res.Decode(&m); err != nil {
			return r, err
		}
		c := m.Country
		if c.ISOCode == "" {
			c = m.RegisteredCountry
		}
		r.CountryISOCode, r.CountryName = c.ISOCode, c.Names.EN
		r.CityName = m.City.Names.EN
		if len(m.Subdivisions) > 0 {
			r.RegionName = m.Subdivisions[0].Names.EN
		}
		r.setLocation(m.Location.Latitude, m.Location.Longitude)
		r.ASN, r.ASOrg = m.ASN, m.ASOrg
	case LayoutFlat:
		var f flatRecord
		if err := res.Decode(&f); err != nil {
			return r, err
		}
		r.CountryISOCode, r.CountryName = f.CountryCode, f.CountryName
		r.CityName, r.RegionName = f.City, f.State1
		r.setLocation(f.Latitude, f.Longitude)
		r.ASN, r.ASOrg = f.ASN, f.ASOrg
		if r.ASN == 0 {
			r.ASN, r.ASOrg = f.ASNumber, f.ASOrgLong
		}
	case LayoutIPinfo:
		var i ipinfoRecord
		if err := res.Decode(&i); err != nil {
			return r, err
		}
		if i.CountryCode != "" { // IPinfo Lite: country is the name
			r.CountryISOCode, r.CountryName = i.CountryCode, i.Country
		} else { // IPinfo Country ASN: country is the code
			r.CountryISOCode, r.CountryName = i.Country, i.CountryName
		}
		if n, err := strconv.ParseUint(strings.TrimPrefix(strings.ToUpper(i.ASN), "AS"), 10, 32); err == nil {
			r.ASN, r.ASOrg = uint32(n), i.ASName
		}
	}
	r.CountryISOCode = strings.ToUpper(r.CountryISOCode)
	if r.CountryISOCode != "" && r.CountryName == "" {
		r.CountryName = countryname.English(r.CountryISOCode)
	}
	return r, nil
}

func (r *Record) setLocation(lat, lon *float64) {
	if lat != nil && lon != nil {
		r.HasLocation, r.Lat, r.Lon = true, *lat, *lon
	}
}
