package geoip

import (
	"sync"

	"github.com/oschwald/maxminddb-golang/v2"
)

// decodeCacheSize bounds each database's cache of decoded records. A
// record is shared by every address of its network, and the senders of a
// domain's mail use few networks, so a small cache answers most lookups.
const decodeCacheSize = 16384

// decodeCache maps a record's offset in the database (the same for every
// address of a network, and for networks that share data) to its decoded
// form, so that a record is decoded once rather than per address.
type decodeCache struct {
	mu sync.RWMutex
	m  map[uintptr]Record
}

// decode returns the decoded record of res, from the cache when it has it.
// When full, the cache starts again empty: simpler than an LRU, and a
// working set larger than the cache costs no more than no cache.
func (c *decodeCache) decode(layout Layout, res maxminddb.Result) (Record, error) {
	off := res.Offset()
	c.mu.RLock()
	rec, ok := c.m[off]
	c.mu.RUnlock()
	if ok {
		return rec, nil
	}
	rec, err := layout.decode(res)
	if err != nil {
		return rec, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= decodeCacheSize {
		c.m = make(map[uintptr]Record, 1024)
	}
	c.m[off] = rec
	c.mu.Unlock()
	return rec, nil
}
