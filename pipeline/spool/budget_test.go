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
