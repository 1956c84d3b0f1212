package cli

import (
	"runtime/debug"
	"testing"
)

func TestTuneGC(t *testing.T) {
	pct, limit := debug.SetGCPercent(100), debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetGCPercent(pct); debug.SetMemoryLimit(limit) })

	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	tuneGC(16<<20, false)
	if got := debug.SetGCPercent(100); got != 400 {
		t.Errorf("GC percent %d, want 400", got)
	}
	if got := debug.SetMemoryLimit(-1); got != 64<<20 {
		t.Errorf("memory limit %d, want %d", got, 64<<20)
	}
	// The NDJSON output keeps the ids it wrote: room for them.
	tuneGC(16<<20, true)
	debug.SetGCPercent(100)
	if got := debug.SetMemoryLimit(-1); got != 256<<20 {
		t.Errorf("memory limit with the NDJSON output %d, want %d", got, 256<<20)
	}

	// The operator's GOGC wins: nothing is changed.
	debug.SetMemoryLimit(limit)
	t.Setenv("GOGC", "50")
	tuneGC(16<<20, true)
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("with GOGC set, GC percent changed to %d", got)
	}
	if got := debug.SetMemoryLimit(-1); got != limit {
		t.Errorf("with GOGC set, memory limit changed to %d", got)
	}
}
