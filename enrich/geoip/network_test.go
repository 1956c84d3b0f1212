package geoip

import (
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// checkNetworks is the property of LookupNetwork: the record it gives for
// an address is what Lookup gives for other addresses sharing its first
// bits bits, and bits tells the longest network consulted.
func checkNetworks(t *testing.T, db *DB, r *rand.Rand, addrs []netip.Addr) (known int) {
	t.Helper()
	for _, a := range addrs {
		rec, bits, err := db.LookupNetwork(a)
		if err != nil {
			t.Fatalf("%s: %v", a, err)
		}
		if want, _ := db.Lookup(a); rec != want {
			t.Fatalf("%s: LookupNetwork %+v, Lookup %+v", a, rec, want)
		}
		if bits < 0 {
			continue
		}
		known++
		b := a.As16()
		off := 0
		if a.Is4() {
			off = 12
		}
		for range 4 { // random addresses of the same network
			c := b
			for i := bits; i < a.BitLen(); i++ {
				if r.IntN(2) == 1 {
					c[off+i/8] ^= 0x80 >> (i % 8)
				}
			}
			o := netip.AddrFrom16(c)
			if a.Is4() {
				o = o.Unmap()
			}
			if got, _ := db.Lookup(o); got != rec {
				t.Fatalf("%s (/%d): %+v, but %s in the same network: %+v", a, bits, rec, o, got)
			}
		}
	}
	return known
}

func TestLookupNetworkHoldsForTheNetwork(t *testing.T) {
	r := rand.New(rand.NewPCG(20, 26))
	var addrs []netip.Addr
	for range 3000 {
		var v4 [4]byte
		for i := range v4 {
			v4[i] = byte(r.IntN(256))
		}
		addrs = append(addrs, netip.AddrFrom4(v4))
		var v6 [16]byte
		v6[0], v6[1] = 0x20, byte(r.IntN(16)) // 2000::/12, where addresses are allocated
		for i := 2; i < 16; i++ {
			v6[i] = byte(r.IntN(256))
		}
		addrs = append(addrs, netip.AddrFrom16(v6))
	}
	db, err := Open(nil, false)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if known := checkNetworks(t, db, r, addrs); known < len(addrs)/2 {
		t.Fatalf("the network is known for %d of %d addresses", known, len(addrs))
	}

	// A user city database of small networks in front of the embedded one:
	// the longest network wins.
	city := fixture(t, "GeoLite2-City", 6, map[string]mmdbtype.Map{"8.8.8.0/28": mmCity, "2001:4860::/40": mmCity})
	db2, err := Open([]string{city}, false)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	for _, tc := range []struct {
		ip   string
		bits int
	}{{"8.8.8.8", 28}, {"2001:4860::1", 40}} {
		if _, bits, _ := db2.LookupNetwork(netip.MustParseAddr(tc.ip)); bits < tc.bits {
			t.Errorf("%s: bits %d, want at least %d", tc.ip, bits, tc.bits)
		}
	}
	checkNetworks(t, db2, r, append(addrs[:200:200], netip.MustParseAddr("8.8.8.8"), netip.MustParseAddr("8.8.8.200"), netip.MustParseAddr("2001:4860::1")))
}
