package rdns

import (
	"container/list"
	"net/netip"
	"sync"
	"time"
)

// cache is a size-bounded LRU of answers, each with its own expiry.
type cache struct {
	mu    sync.Mutex
	size  int
	ll    *list.List
	items map[netip.Addr]*list.Element
}

type entry struct {
	addr    netip.Addr
	name    Name
	expires time.Time
}

func newCache(size int) *cache {
	return &cache{size: size, ll: list.New(), items: make(map[netip.Addr]*list.Element)}
}

// get returns a fresh entry for addr; expired entries are dropped.
func (c *cache) get(addr netip.Addr, now time.Time) (Name, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[addr]
	if !ok {
		return Name{}, false
	}
	e := el.Value.(*entry)
	if !now.Before(e.expires) {
		c.ll.Remove(el)
		delete(c.items, addr)
		return Name{}, false
	}
	c.ll.MoveToFront(el)
	return e.name, true
}

func (c *cache) put(addr netip.Addr, name Name, expires time.Time) {
	if c.size <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[addr]; ok {
		e := el.Value.(*entry)
		e.name, e.expires = name, expires
		c.ll.MoveToFront(el)
		return
	}
	c.items[addr] = c.ll.PushFront(&entry{addr: addr, name: name, expires: expires})
	for c.ll.Len() > c.size {
		old := c.ll.Back()
		c.ll.Remove(old)
		delete(c.items, old.Value.(*entry).addr)
	}
}

func (c *cache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ll.Len()
}
