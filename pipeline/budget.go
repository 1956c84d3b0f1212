package pipeline

import "sync/atomic"

// memBudget is memory shared by the spools of the messages in flight. It
// never blocks: a spool that cannot take more spills to its file, so the
// budget bounds memory without making one message wait for another.
// A nil *memBudget is unlimited.
type memBudget struct {
	limit int64
	used  atomic.Int64
}

// newMemBudget returns a budget of limit bytes; nil (unlimited) when limit <= 0.
func newMemBudget(limit int) *memBudget {
	if limit <= 0 {
		return nil
	}
	return &memBudget{limit: int64(limit)}
}

// take reserves n bytes if they fit.
func (b *memBudget) take(n int) bool {
	if b == nil {
		return true
	}
	for {
		used := b.used.Load()
		if used+int64(n) > b.limit {
			return false
		}
		if b.used.CompareAndSwap(used, used+int64(n)) {
			return true
		}
	}
}

// give returns n bytes taken before.
func (b *memBudget) give(n int) {
	if b != nil && n != 0 {
		b.used.Add(-int64(n))
	}
}

// Used is the memory reserved now.
func (b *memBudget) Used() int64 {
	if b == nil {
		return 0
	}
	return b.used.Load()
}
