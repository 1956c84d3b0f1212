package spool

import (
	"math/bits"
	"sync"
	"sync/atomic"
)

// Budget is memory shared by the spools of the messages in flight. It
// never blocks: a spool that cannot take more spills to its file, so the
// budget bounds memory without making one message wait for another.
// A nil *Budget is unlimited.
//
// The budget also keeps the chunks that spools give back, so that the next
// messages reuse them instead of allocating (issue #20: fresh chunks were
// half of all bytes allocated). A kept chunk counts against the limit as
// much as one in use: chunks in use plus chunks kept never exceed it.
// Trim drops the kept chunks (an idle agent gives that memory back).
type Budget struct {
	limit int64
	used  atomic.Int64 // bytes held by spools; read without the lock

	mu     sync.Mutex
	free   [classes][][]byte // kept chunks, by size class
	pooled int64             // bytes of the kept chunks
}

// Size classes of kept chunks: chunkMin << i, up to chunkMax. Chunks of
// other sizes (the last one before a spool's own limit, or one holding a
// single outsized document) are never kept.
const classes = 9 // 4 KiB .. 1 MiB

func class(size int) int {
	if size < chunkMin || size > chunkMax || size&(size-1) != 0 {
		return -1
	}
	return bits.Len(uint(size/chunkMin)) - 1
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
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.reserve(int64(n))
}

// reserve takes n bytes, dropping kept chunks if they stand in the way.
// b.mu is held.
func (b *Budget) reserve(n int64) bool {
	used := b.used.Load()
	if used+n > b.limit {
		return false
	}
	if used+b.pooled+n > b.limit {
		b.dropKept()
	}
	b.used.Add(n)
	return true
}

// Give returns n bytes taken before.
func (b *Budget) Give(n int) {
	if b == nil || n == 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.give(int64(n))
}

func (b *Budget) give(n int64) { b.used.Add(-n) }

// Trim drops the kept chunks, for the garbage collector to free.
func (b *Budget) Trim() {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.dropKept()
}

// Chunk returns an empty chunk of capacity size, reserved from the
// budget: a kept one when there is one of that size, else a new one. It
// returns nil when the budget cannot pay for it.
func (b *Budget) Chunk(size int) []byte {
	if b == nil {
		return make([]byte, 0, size)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if c := class(size); c >= 0 && len(b.free[c]) > 0 {
		// A kept chunk is already counted (in pooled): moving it to used
		// keeps used+pooled unchanged, hence within the limit.
		n := len(b.free[c]) - 1
		chunk := b.free[c][n]
		b.free[c][n] = nil
		b.free[c] = b.free[c][:n]
		b.pooled -= int64(size)
		b.used.Add(int64(size))
		return chunk
	}
	if !b.reserve(int64(size)) {
		return nil
	}
	return make([]byte, 0, size)
}

// Return gives back a chunk that Chunk returned; the caller must not use
// it any more. Chunks of a size class are kept for reuse.
func (b *Budget) Return(chunk []byte) {
	if b == nil {
		return
	}
	size := int64(cap(chunk))
	b.mu.Lock()
	defer b.mu.Unlock()
	if c := class(cap(chunk)); c >= 0 {
		// used+pooled is unchanged: the bytes move from one to the other.
		b.free[c] = append(b.free[c], chunk[:0])
		b.pooled += size
		b.used.Add(-size)
		return
	}
	b.give(size)
}

// dropKept forgets the kept chunks (the GC frees them). b.mu is held.
func (b *Budget) dropKept() {
	for i := range b.free {
		clear(b.free[i])
		b.free[i] = b.free[i][:0]
	}
	b.pooled = 0
}

// Used is the memory reserved now by spools (kept chunks excluded).
func (b *Budget) Used() int64 {
	if b == nil {
		return 0
	}
	return b.used.Load()
}

// Kept is the memory of the chunks kept for reuse.
func (b *Budget) Kept() int64 {
	if b == nil {
		return 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.pooled
}
