package spool

import "sync/atomic"

// Budget is memory shared by the spools of the messages in flight. It
// never blocks: a spool that cannot take more spills to its file, so the
// budget bounds memory without making one message wait for another.
// A nil *Budget is unlimited.
type Budget struct {
	limit int64
	used  atomic.Int64
}

// NewBudget returns a budget of limit bytes; nil (unlimited) when limit <= 0.
func NewBudget(limit int) *Budget {
	if limit <= 0 {
		return nil
	}
	return &Budget{limit: int64(limit)}
}

// Take reserves n bytes if they fit.
func (b *Budget) Take(n int) bool {
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

// Give returns n bytes taken before.
func (b *Budget) Give(n int) {
	if b != nil && n != 0 {
		b.used.Add(-int64(n))
	}
}

// Used is the memory reserved now.
func (b *Budget) Used() int64 {
	if b == nil {
		return 0
	}
	return b.used.Load()
}
