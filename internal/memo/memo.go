// Package memo remembers the answers of pure look-ups in a bounded map that
// is safe for concurrent use.
package memo

import "sync"

// Map remembers up to size values. When full it starts again empty: simpler
// than an LRU, and a working set larger than the map costs no more than no
// map at all.
type Map[K comparable, V any] struct {
	size int
	mu   sync.RWMutex
	m    map[K]V
}

// New returns an empty map of at most size entries.
func New[K comparable, V any](size int) *Map[K, V] {
	return &Map[K, V]{size: size}
}

// Get returns the value remembered for k.
func (m *Map[K, V]) Get(k K) (V, bool) {
	m.mu.RLock()
	v, ok := m.m[k]
	m.mu.RUnlock()
	return v, ok
}

// Put remembers v for k, first forgetting everything when the map is full.
func (m *Map[K, V]) Put(k K, v V) {
	m.mu.Lock()
	if m.m == nil || len(m.m) >= m.size {
		m.m = make(map[K]V, min(m.size, 1024))
	}
	m.m[k] = v
	m.mu.Unlock()
}

// Len is the number of values remembered now.
func (m *Map[K, V]) Len() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.m)
}
