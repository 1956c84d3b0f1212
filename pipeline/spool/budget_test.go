package spool

import (
	"bytes"
	"fmt"
	"testing"
)

// The spools of all messages in flight share one memory budget: once it is
// spent, a spool spills to its file; closing gives the memory back.
func TestSpoolsShareTheMemoryBudget(t *testing.T) {
	b := NewBudget(64 << 10)
	body := bytes.Repeat([]byte("x"), 1000)
	a := New(1<<20, t.TempDir(), b)
	for i := range 200 { // about 200 KB: more than the budget
		if err := a.Add("idx", fmt.Sprint("a", i), body); err != nil {
			t.Fatal(err)
		}
	}
	if a.file == nil {
		t.Fatal("200 KB in a spool with a 64 KiB budget: nothing spilled")
	}
	if used := b.Used(); used > 64<<10 || used == 0 {
		t.Fatalf("budget used %d, want 1..%d", used, 64<<10)
	}
	// A second spool gets what is left of the budget, then spills too.
	c := New(1<<20, t.TempDir(), b)
	for i := range 20 {
		if err := c.Add("idx", fmt.Sprint("c", i), body); err != nil {
			t.Fatal(err)
		}
	}
	if c.file == nil {
		t.Fatal("second spool: 20 KB with the budget nearly spent, nothing spilled")
	}
	if used := b.Used(); used > 64<<10 {
		t.Fatalf("budget used %d, more than its %d", used, 64<<10)
	}
	if got := collect(t, a); len(got) != 200 || got[199] != "idx|a199|"+string(body) {
		t.Fatalf("first spool yields %d documents", len(got))
	}
	// A rollback gives back the chunks it drops.
	d := New(1<<20, t.TempDir(), NewBudget(1<<20))
	m, _ := d.Mark()
	for i := range 50 {
		d.Add("idx", fmt.Sprint("d", i), body)
	}
	if err := d.Rollback(m); err != nil {
		t.Fatal(err)
	}
	if used := d.budget.Used(); used != 0 {
		t.Errorf("after rolling back to empty, budget used %d, want 0", used)
	}
	d.Close()
	a.Close()
	c.Close()
	if used := b.Used(); used != 0 {
		t.Errorf("after Close, budget used %d, want 0", used)
	}
}

// fill adds n documents of 1000 bytes to s.
func fill(t *testing.T, s *Spool, prefix string, n int) {
	t.Helper()
	body := bytes.Repeat([]byte("y"), 1000)
	for i := range n {
		if err := s.Add("idx", fmt.Sprint(prefix, i), body); err != nil {
			t.Fatal(err)
		}
	}
}

func held(s *Spool) int64 {
	n := 0
	for _, c := range s.chunks {
		n += cap(c)
	}
	return int64(n)
}

// Chunks given back with Release are kept and reused by the next spools,
// and still count against the budget: chunks in use plus chunks kept never
// exceed the limit; Close (an output may still hold the documents) keeps
// none; Trim drops the kept chunks.
func TestKeptChunksCountAgainstTheBudget(t *testing.T) {
	const limit = 256 << 10
	b := NewBudget(limit)
	check := func(step string, used, kept int64) {
		t.Helper()
		if b.Used() != used || b.Kept() != kept {
			t.Fatalf("%s: used %d kept %d, want %d and %d", step, b.Used(), b.Kept(), used, kept)
		}
		if b.Used()+b.Kept() > limit {
			t.Fatalf("%s: used %d + kept %d > limit %d", step, b.Used(), b.Kept(), limit)
		}
	}
	hold := New(1<<20, t.TempDir(), b) // keeps the budget in use throughout
	fill(t, hold, "h", 1)
	check("one chunk held", chunkMin, 0)

	a := New(1<<20, t.TempDir(), b)
	fill(t, a, "a", 240) // chunks of 4, 8, 16, 32, 64 and 128 KiB
	if a.file != nil || len(a.chunks) != 6 {
		t.Fatalf("%d chunks, spilled %v; want 6 chunks in memory", len(a.chunks), a.file != nil)
	}
	heldA := held(a)
	check("first spool filled", chunkMin+heldA, 0)
	var first []*byte
	for _, c := range a.chunks {
		first = append(first, &c[:1][0])
	}
	if err := a.Release(); err != nil {
		t.Fatal(err)
	}
	check("first spool released", chunkMin, heldA)

	d := New(1<<20, t.TempDir(), b)
	fill(t, d, "d", 240)
	check("second spool filled from the kept chunks", chunkMin+heldA, 0)
	for i, c := range d.chunks {
		if &c[:1][0] != first[i] {
			t.Errorf("chunk %d (%d bytes) is new, want the kept one", i, cap(c))
		}
	}
	if got := collect(t, d); len(got) != 240 || got[239] != "idx|d239|"+string(bytes.Repeat([]byte("y"), 1000)) {
		t.Fatalf("reused chunks yield %d documents, last %.20q", len(got), got[len(got)-1])
	}
	d.Release()
	check("second spool released", chunkMin, heldA)

	// A chunk of no size class is new; the kept chunks that would push the
	// total past the limit are dropped, not the limit overrun.
	c := b.Chunk(5000)
	if c == nil {
		t.Fatal("5000 bytes refused with the budget nearly free")
	}
	check("odd chunk taken", chunkMin+5000, 0)
	b.Return(c) // not of a size class: given back, not kept
	check("odd chunk returned", chunkMin, 0)

	// Close keeps nothing: the output may still hold the documents.
	e := New(1<<20, t.TempDir(), b)
	fill(t, e, "e", 10)
	e.Close()
	check("closed without reuse", chunkMin, 0)

	// With the budget spent, kept chunks do not let a spool past it.
	f := New(1<<20, t.TempDir(), b)
	fill(t, f, "f", 400)
	if f.file == nil {
		t.Fatal("400 KB with a 256 KiB budget: nothing spilled")
	}
	heldF := held(f)
	check("budget spent", chunkMin+heldF, 0)
	f.Release()
	check("spent spool released", chunkMin, heldF)

	// The last spool's chunk is kept too; Trim (an idle agent) drops them all.
	hold.Release()
	check("nothing in flight", 0, heldF+chunkMin)
	b.Trim()
	check("trimmed", 0, 0)
}
