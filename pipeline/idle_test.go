package pipeline

import (
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// Memory goes back to the OS once per quiet period: not while a message is
// in flight, not before the period has passed, and not again while idle.
func TestIdleReleasesMemoryOncePerQuietPeriod(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newTestPipeline(&memOutput{}, nil, 1<<20).ReleasingMemoryWhenIdle(10 * time.Second)
		// The real release drops the spool chunks kept for reuse.
		p.Deliver(t.Context(), p.Prepare(t.Context(), message("k.xml", []byte(aggXML("k", 3)))))
		if p.budget.Kept() == 0 {
			t.Fatal("no chunk kept after a delivery")
		}
		p.idle.release()
		if k := p.budget.Kept(); k != 0 {
			t.Fatalf("%d bytes still kept after the release", k)
		}
		var released atomic.Int64
		p.idle.release = func() { released.Add(1) }
		defer p.idle.stop()
		check := func(step string, want int64) {
			t.Helper()
			synctest.Wait()
			if got := released.Load(); got != want {
				t.Fatalf("%s: released %d times, want %d", step, got, want)
			}
		}
		// Inside the synctest bubble every time.Sleep below advances the
		// fake clock at once: the quiet periods cost no real time.
		a := p.Prepare(t.Context(), message("a.xml", []byte(aggXML("a", 3))))
		b := p.Prepare(t.Context(), message("b.xml", []byte(aggXML("b", 3))))
		p.Deliver(t.Context(), b)
		time.Sleep(time.Minute)
		check("a message in flight", 0)
		if res := p.Deliver(t.Context(), a); res.Outcome.Err != nil {
			t.Fatal(res.Outcome.Err)
		}
		time.Sleep(9 * time.Second)
		check("idle for 9s", 0)
		time.Sleep(2 * time.Second)
		check("idle for 11s", 1)
		time.Sleep(time.Hour)
		check("idle for an hour", 1)
		// The next quiet period releases again.
		p.Deliver(t.Context(), p.Prepare(t.Context(), message("c.xml", []byte(aggXML("c", 3)))))
		time.Sleep(11 * time.Second)
		check("after the next message", 2)
	})
}
