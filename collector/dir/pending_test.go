package dir

import (
	"context"
	"runtime"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/dmarc-agent/dmarc-agent/collector"
)

// TestPendingGaugeTrueWhileBlocked: while the source is blocked handing a
// file to a full queue, files that land meanwhile are counted at once (the
// gauge once held the count taken before the blocked send).
func TestPendingGaugeTrueWhileBlocked(t *testing.T) {
	env := newEnv(t)
	s := env.source()
	ctx, cancel := context.WithCancel(context.Background())
	out := make(chan collector.Message, 1) // a queue of one that nobody reads yet
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, out, false) }()
	waitFor(t, "first scan", func() bool { return testutil.ToFloat64(s.m.rescans) >= 1 })

	env.write("a.xml", "a")
	waitFor(t, "a.xml queued", func() bool { return len(out) == 1 })
	env.write("b.xml", "b")
	waitFor(t, "the source blocked sending b.xml", blockedSending)
	if got := testutil.ToFloat64(s.m.pending); got != 2 {
		t.Fatalf("pending = %v with a.xml queued and b.xml being sent, want 2", got)
	}
	for _, n := range []string{"c.xml", "d.xml", "e.xml"} {
		env.write(n, n)
	}
	waitFor(t, "pending = 5 while blocked", func() bool { return testutil.ToFloat64(s.m.pending) == 5 })

	snk := newSink(t)
	wg := snk.consume(ctx, out, 2)
	waitFor(t, "every file delivered", func() bool { return len(snk.delivered()) == 5 })
	waitFor(t, "pending = 0", func() bool { return testutil.ToFloat64(s.m.pending) == 0 })
	cancel()
	wg.Wait()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// blockedSending reports a goroutine blocked in (*run).deliver on a channel
// send: the source is waiting for room in the queue.
func blockedSending() bool {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "[select]") && strings.Contains(g, "dir.(*run).deliver(") {
			return true
		}
	}
	return false
}
