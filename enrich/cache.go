package enrich

import (
	"net/netip"
	"sync"

	"github.com/dmarc-agent/dmarc-agent/enrich/geoip"
	"github.com/dmarc-agent/dmarc-agent/enrich/rdns"
	"github.com/dmarc-agent/dmarc-agent/mapping"
)

// entry is what a batch knows about one of its addresses.
type entry struct {
	geo       geoip.Record
	lookupErr bool // the GeoIP lookup failed
	name      rdns.Name
}

// cache is one worker's memory of GeoIP networks, and its scratch for a
// batch. A cache serves one batch at a time (cachePool), so it needs no
// lock.
type cache struct {
	// nets holds GeoIP answers that hold for a whole /24 (IPv4) or /48
	// (IPv6) network, in a direct-mapped table by netKey: the databases'
	// networks are mostly larger, and a domain's senders send from few
	// networks, so most addresses are answered without a lookup. A network
	// takes the slot of the one before it; nothing needs clearing.
	nets *[cacheNets]netSlot
	// per batch
	index   map[netip.Addr]int32 // entry of each distinct address
	entries []entry
	idx     []int32 // entry of each source, -1 when its IP is invalid
	unique  []netip.Addr
	srcs    []*mapping.Source
	dkim    []string
}

// cacheNets is the number of slots of a cache's network table (about
// 130 bytes each).
const cacheNetBits, cacheNets = 12, 1 << 12

// netSlot is one network of the table; ok says it holds one.
type netSlot struct {
	key uint64
	ok  bool
	rec geoip.Record
}

// slot is the place of key in the table.
func (c *cache) slot(key uint64) *netSlot {
	return &c.nets[(key*0x9E3779B97F4A7C15)>>(64-cacheNetBits)]
}

// The networks nets is keyed by.
const netBits4, netBits6 = 24, 48

// netKey is the key in nets of a's network: the first 24 bits of an IPv4
// address, or the first 48 bits of an IPv6 one with the low bit set.
func netKey(a netip.Addr) uint64 {
	if a.Is4() {
		b := a.As4()
		return uint64(b[0])<<40 | uint64(b[1])<<32 | uint64(b[2])<<24
	}
	b := a.As16()
	return uint64(b[0])<<56 | uint64(b[1])<<48 | uint64(b[2])<<40 | uint64(b[3])<<32 |
		uint64(b[4])<<24 | uint64(b[5])<<16 | 1
}

// network returns the record remembered for a's network.
func (c *cache) network(a netip.Addr) (geoip.Record, bool) {
	k := netKey(a)
	if sl := c.slot(k); sl.ok && sl.key == k {
		return sl.rec, true
	}
	return geoip.Record{}, false
}

// remember keeps rec for a's whole network when it holds for all of it
// (the databases' answer holds for the first bits bits of a).
func (c *cache) remember(a netip.Addr, bits int, rec geoip.Record) {
	limit := netBits6
	if a.Is4() {
		limit = netBits4
	}
	if bits < 0 || bits > limit {
		return
	}
	k := netKey(a)
	*c.slot(k) = netSlot{key: k, ok: true, rec: rec}
}

// begin starts a batch.
func (c *cache) begin() {
	if c.nets == nil {
		c.nets = new([cacheNets]netSlot)
		c.index = make(map[netip.Addr]int32, 64)
	}
	clear(c.index)
	clear(c.entries)
	c.entries, c.idx, c.unique = c.entries[:0], c.idx[:0], c.unique[:0]
}

// entry returns the index of a's entry in this batch and whether it is new.
func (c *cache) entry(a netip.Addr) (int32, bool) {
	if e, ok := c.index[a]; ok {
		return e, false
	}
	e := int32(len(c.entries))
	c.entries = append(c.entries, entry{})
	c.index[a] = e
	return e, true
}

// at returns the entry of source i of the batch, nil when its IP is invalid.
func (c *cache) at(i int) *entry {
	if e := c.idx[i]; e >= 0 {
		return &c.entries[e]
	}
	return nil
}

// cachePool holds the caches not in use: a batch takes one (one lock per
// batch, none per document), so each concurrent worker has its own.
type cachePool struct {
	mu   sync.Mutex
	free []*cache
}

func (p *cachePool) get() *cache {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := len(p.free); n > 0 {
		c := p.free[n-1]
		p.free = p.free[:n-1]
		return c
	}
	return &cache{}
}

func (p *cachePool) put(c *cache) {
	p.mu.Lock()
	p.free = append(p.free, c)
	p.mu.Unlock()
}
