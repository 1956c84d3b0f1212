package geoip

import _ "embed"

// EmbeddedType is the metadata database_type of the embedded database, built
// by tools/mkgeodb.
const EmbeddedType = "dmarc-agent-country-asn"

// embedded is the default country + AS database. It is embedded uncompressed
// so that its pages stay backed by the executable file: only the pages that
// lookups touch count towards the resident set.
//
//go:generate sh ../../tools/mkgeodb/fetch.sh
//go:embed dbip-country-asn.mmdb
var embedded []byte

// Attribution is the notice the DB-IP licence (CC BY 4.0) asks for wherever
// data from the embedded database is shown.
const Attribution = "IP Geolocation by DB-IP (https://db-ip.com)"
