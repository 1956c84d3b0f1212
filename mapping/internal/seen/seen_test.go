package seen

import (
	"errors"
	"math/bits"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// The counts are those of a plain map, whatever the bound, while the
// table never holds more than its bound.
func TestCountsMatchAMap(t *testing.T) {
	for _, tc := range []struct{ memKeys, n int }{{1, 3000}, {7, 20_000}, {100, 200_000}, {1 << 16, 200_000}} {
		memKeys := tc.memKeys
		rng := rand.New(rand.NewPCG(1, uint64(memKeys)))
		c := New(memKeys, t.TempDir())
		want := map[uint64]uint32{}
		dups := 0
		for i := range tc.n {
			var k uint64
			switch {
			case i > 0 && rng.IntN(10) == 0: // a duplicate of a key met before, maybe long ago
				k = uint64(rng.IntN(i)) * 0x9e3779b97f4a7c15
			default:
				k = uint64(i) * 0x9e3779b97f4a7c15
			}
			got, err := c.Next(k)
			if err != nil {
				t.Fatal(err)
			}
			if got != want[k] {
				t.Fatalf("memKeys %d, key %d (#%d): count %d, want %d", memKeys, k, i, got, want[k])
			}
			if want[k] > 0 {
				dups++
			}
			want[k]++
			if len(c.mem) > memKeys {
				t.Fatalf("memKeys %d: %d keys in memory", memKeys, len(c.mem))
			}
		}
		if limit := 2*bits.Len(uint(tc.n/memKeys)) + 2; len(c.runs) > limit {
			t.Fatalf("memKeys %d: %d runs to look keys up in, want at most %d", memKeys, len(c.runs), limit)
		}
		if dups < tc.n/20 {
			t.Fatalf("only %d duplicates met: the test does not test", dups)
		}
		if memKeys < 1<<16 && c.Spilled() == 0 {
			t.Fatalf("memKeys %d: never spilled", memKeys)
		}
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// A spill that cannot be written is an error, then and on every later call:
// never a count that might be wrong.
func TestSpillFailureIsAnError(t *testing.T) {
	c := New(4, filepath.Join(t.TempDir(), "missing"))
	var err error
	for i := range 10 {
		if _, err = c.Next(uint64(i)); err != nil {
			break
		}
	}
	if err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("err %v, want the file creation error", err)
	}
	if _, err2 := c.Next(1); err2 == nil {
		t.Fatal("a later call succeeded after the failure")
	}
}
