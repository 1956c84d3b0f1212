package geoip

import (
	"math/rand/v2"
	"net/netip"
	"testing"
)

// The decode cache changes nothing but speed: cold, warm and uncached
// lookups of the same addresses agree, and addresses of one network share
// one cache entry.
func TestDecodeCacheAgreesWithDecoding(t *testing.T) {
	db, err := Open(nil, false)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	r := db.readers[0]
	rnd := rand.New(rand.NewPCG(1, 2))
	var addrs []netip.Addr
	for range 3000 {
		var b [4]byte
		for i := range b {
			b[i] = byte(rnd.UintN(256))
		}
		addrs = append(addrs, netip.AddrFrom4(b))
	}
	addrs = append(addrs, netip.MustParseAddr("8.8.8.8"), netip.MustParseAddr("8.8.4.4"), netip.MustParseAddr("2001:4860:4860::8888"))
	want := make([]Record, len(addrs))
	found := 0
	for i, a := range addrs {
		res := r.db.Lookup(a)
		if !res.Found() {
			continue
		}
		found++
		if want[i], err = r.info.Layout.decode(res); err != nil {
			t.Fatal(err)
		}
	}
	if found < 1000 {
		t.Fatalf("only %d of %d addresses found: not a useful test", found, len(addrs))
	}
	for pass := range 2 {
		for i, a := range addrs {
			got, err := db.Lookup(a)
			if err != nil {
				t.Fatal(err)
			}
			if got != want[i] {
				t.Fatalf("pass %d, %s: %+v, want %+v", pass, a, got, want[i])
			}
		}
	}
	if n := r.cache.Len(); n == 0 || n >= found {
		t.Errorf("%d cache entries for %d found addresses: want fewer (networks share records), not none", n, found)
	}
}
