// Package geoip looks up country, city and AS of an address in MaxMind-format
// databases: the embedded country + AS database and user-supplied files.
package geoip

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/oschwald/maxminddb-golang/v2"

	"github.com/dmarc-agent/dmarc-agent/internal/memo"
)

// Info describes one opened database, for the start-up log.
type Info struct {
	Path        string // "embedded" for the embedded database
	Type        string
	Layout      Layout
	BuildTime   time.Time
	Description string
}

type reader struct {
	db     *maxminddb.Reader
	info   Info
	ipv4DB bool
	cache  *memo.Map[uintptr, Record] // decoded records by offset
}

// DB answers lookups from several databases in priority order.
type DB struct {
	readers []reader
}

// Open opens the user databases in order, then (unless disableEmbedded) the
// embedded one. For each field group the first database that has it wins.
func Open(paths []string, disableEmbedded bool) (*DB, error) {
	d := &DB{}
	for _, p := range paths {
		db, err := maxminddb.Open(p)
		if err != nil {
			d.Close()
			return nil, fmt.Errorf("opening GeoIP database %s: %w", p, err)
		}
		if err := d.add(db, p); err != nil {
			db.Close()
			d.Close()
			return nil, err
		}
	}
	if !disableEmbedded {
		db, err := maxminddb.OpenBytes(embedded)
		if err != nil {
			d.Close()
			return nil, fmt.Errorf("opening the embedded GeoIP database: %w", err)
		}
		if err := d.add(db, "embedded"); err != nil {
			d.Close()
			return nil, err
		}
	}
	return d, nil
}

func (d *DB) add(db *maxminddb.Reader, path string) error {
	layout, err := layoutFor(db.Metadata.DatabaseType)
	if err != nil {
		return fmt.Errorf("GeoIP database %s: %w", path, err)
	}
	d.readers = append(d.readers, reader{db: db, ipv4DB: db.Metadata.IPVersion == 4, cache: memo.New[uintptr, Record](decodeCacheSize), info: Info{
		Path:        path,
		Type:        db.Metadata.DatabaseType,
		Layout:      layout,
		BuildTime:   db.Metadata.BuildTime().UTC(),
		Description: db.Metadata.Description["en"],
	}})
	return nil
}

// decodeCacheSize bounds each database's cache of decoded records, keyed by
// the record's offset in the database: the same for every address of a
// network, and for networks that share data. A domain's senders use few
// networks, so a small cache answers most lookups.
const decodeCacheSize = 16384

// decode returns the decoded record of res, each record decoded once.
func (r *reader) decode(res maxminddb.Result) (Record, error) {
	if rec, ok := r.cache.Get(res.Offset()); ok {
		return rec, nil
	}
	rec, err := r.info.Layout.decode(res)
	if err == nil {
		r.cache.Put(res.Offset(), rec)
	}
	return rec, err
}

// Databases describes the opened databases in priority order.
func (d *DB) Databases() []Info {
	out := make([]Info, len(d.readers))
	for i, r := range d.readers {
		out[i] = r.info
	}
	return out
}

// Lookup returns what the databases know about ip. An error from one
// database (a corrupt record) does not stop the others from answering.
func (d *DB) Lookup(ip netip.Addr) (Record, error) {
	rec, _, err := d.LookupNetwork(ip)
	return rec, err
}

// LookupNetwork is Lookup that also says how far the answer holds: every
// address that shares ip's first bits bits gets the same record (the
// longest network of the databases consulted, found or empty); -1 when
// that is not known.
func (d *DB) LookupNetwork(ip netip.Addr) (Record, int, error) {
	var rec Record
	var errs []error
	ip = ip.Unmap()
	bits := 0
	for _, r := range d.readers {
		if r.ipv4DB && !ip.Is4() {
			continue
		}
		res := r.db.Lookup(ip)
		if p := res.Prefix(); bits >= 0 && p.IsValid() && p.Addr().Is4() == ip.Is4() && p.Contains(ip) {
			bits = max(bits, p.Bits())
		} else {
			bits = -1
		}
		if !res.Found() {
			if err := res.Err(); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", r.info.Path, err))
			}
			continue
		}
		got, err := r.decode(res)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", r.info.Path, err))
			continue
		}
		rec.fill(got)
		if rec.complete() {
			break
		}
	}
	return rec, bits, errors.Join(errs...)
}

// Close releases the databases.
func (d *DB) Close() error {
	var errs []error
	for _, r := range d.readers {
		errs = append(errs, r.db.Close())
	}
	d.readers = nil
	return errors.Join(errs...)
}
