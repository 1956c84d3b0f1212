package dir

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/dmarc-agent/dmarc-agent/collector"
)

func TestOnceDeliversReportFilesAndSkipsTemporaryOnes(t *testing.T) {
	env := newEnv(t)
	env.cfg.StableFor = 20 * time.Millisecond
	env.write("a.xml", "report a")
	env.write("2026/10/b.xml.gz", "report b")
	for _, skipped := range []string{".hidden.xml", "c.xml.tmp", "d.xml.part", "e.XML.PART", "f.xml~", ".partial/g.xml",
		"processed/old.xml", "failed/bad.xml", "failed/bad.xml.reason"} {
		env.write(skipped, "skipped "+skipped)
	}
	snk := newSink(t)
	env.runOnce(env.source(), snk)
	want := map[string]int{"report a": 1, "report b": 1}
	if got := snk.delivered(); !reflect.DeepEqual(got, want) {
		t.Errorf("delivered %v, want %v", got, want)
	}
	if got := snk.ids["report b"]; got != filepath.Join("2026", "10", "b.xml.gz") {
		t.Errorf("message id = %q, want the path relative to the folder", got)
	}
	// Default after_delivery is leave.
	if _, err := os.Stat(filepath.Join(env.root, "a.xml")); err != nil {
		t.Errorf("delivered file not left in place: %v", err)
	}
}

func TestRestartNeverRedelivers(t *testing.T) {
	env := newEnv(t)
	for i := range 20 {
		env.write(fmt.Sprintf("r%02d.xml", i), fmt.Sprintf("report %d", i))
	}
	env.write("bad.xml", "BAD one")
	first := newSink(t)
	env.runOnce(env.source(), first)
	if got := len(first.delivered()); got != 20 {
		t.Fatalf("first run delivered %d contents, want 20", got)
	}
	// A restart (new source, same state file), in once and in watching mode.
	again := newSink(t)
	env.runOnce(env.source(), again)
	s := env.source()
	run := env.start(s, again)
	waitFor(t, "three scans", func() bool { return testutil.ToFloat64(s.m.rescans) >= 3 })
	run.stop(t)
	if n := again.count(); n != 0 {
		t.Errorf("restart delivered %d messages again, want 0", n)
	}
	// A copy of delivered content under a new name is not delivered either.
	env.write("copy-of-r03.xml", "report 3")
	env.runOnce(env.source(), again)
	if n := again.count(); n != 0 {
		t.Errorf("a copy of delivered content was delivered again (%d)", n)
	}
}

func TestSlowlyWrittenFileIsReadWhenComplete(t *testing.T) {
	env := newEnv(t)
	env.cfg.StableFor = 300 * time.Millisecond
	snk := newSink(t)
	run := env.start(env.source(), snk)
	defer run.stop(t)

	f, err := os.Create(filepath.Join(env.root, "slow.xml"))
	if err != nil {
		t.Fatal(err)
	}
	var want strings.Builder
	for i := range 8 { // pauses shorter than stable_for
		chunk := fmt.Sprintf("<row>%d</row>\n", i)
		want.WriteString(chunk)
		f.WriteString(chunk)
		time.Sleep(100 * time.Millisecond) // the input itself: a writer that pauses, for less than stable_for
	}
	f.Close()
	waitFor(t, "slow file delivered", func() bool { return snk.count() > 0 })
	// Nothing signals that a second delivery will not come: give it longer
	// than stable_for to happen.
	time.Sleep(2 * env.cfg.StableFor)
	if got := snk.delivered(); len(got) != 1 || got[want.String()] != 1 {
		t.Errorf("delivered %v, want only the complete file once", got)
	}
}

func TestRenamedInIsReadWithoutWaitingForStability(t *testing.T) {
	env := newEnv(t)
	env.cfg.StableFor = time.Hour // only the renamed-in shortcut can deliver
	env.cfg.RescanInterval = time.Hour
	snk := newSink(t)
	run := env.startReady(env.source(), snk) // the rename below must be seen as an event
	defer run.stop(t)

	tmp := env.write(".incoming.xml", "renamed report")
	if err := os.Rename(tmp, filepath.Join(env.root, "renamed.xml")); err != nil {
		t.Fatal(err)
	}
	env.write("written.xml", "written in place") // created and written: must wait an hour
	waitFor(t, "renamed file delivered", func() bool { return snk.delivered()["renamed report"] == 1 })
	// Nothing signals that the file written in place will not be read: give
	// a wrong delivery longer than one poll interval (500 ms here) to happen.
	time.Sleep(600 * time.Millisecond)
	if got := snk.delivered(); len(got) != 1 {
		t.Errorf("delivered %v; a file written in place was read before it was stable", got)
	}
}

func TestCorruptFilesGoToFailedWithReason(t *testing.T) {
	env := newEnv(t)
	env.write("2026/bad.xml", "BAD truncated gzip")
	env.write("good.xml", "good report")
	snk := newSink(t)
	env.runOnce(env.source(), snk)

	failed := filepath.Join(env.root, "failed")
	if got, want := tree(t, failed), []string{"2026/bad.xml", "2026/bad.xml.reason"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("failed folder = %v, want %v", got, want)
	}
	reason, _ := os.ReadFile(filepath.Join(failed, "2026", "bad.xml.reason"))
	if string(reason) != "not a report: BAD truncated gzip\n" {
		t.Errorf("reason = %q", reason)
	}
	// The same bad bytes dropped again go straight to failed/, beside the
	// first one, without being processed again.
	before := snk.count()
	env.write("2026/bad.xml", "BAD truncated gzip")
	env.runOnce(env.source(), snk)
	if snk.count() != before {
		t.Error("known-bad content processed again")
	}
	want := []string{"2026/" + hexSum("BAD truncated gzip") + "-bad.xml", "2026/" + hexSum("BAD truncated gzip") + "-bad.xml.reason",
		"2026/bad.xml", "2026/bad.xml.reason"}
	if got := tree(t, failed); !reflect.DeepEqual(got, want) {
		t.Errorf("failed folder = %v, want %v", got, want)
	}
	if got := tree(t, env.root); !reflect.DeepEqual(got[len(got)-1], "good.xml") || len(got) != 5 {
		t.Errorf("tree = %v", got)
	}
}

func TestDuplicateContentDeliveredOnce(t *testing.T) {
	env := newEnv(t)
	env.cfg.AfterDelivery = "move"
	env.cfg.StableFor = 20 * time.Millisecond
	for i := range 10 {
		env.write(fmt.Sprintf("d%d/same.xml", i), "the same report")
	}
	snk := newSink(t) // its workers flag any concurrent delivery of one content
	env.runOnce(env.source(), snk)
	if got := snk.delivered(); !reflect.DeepEqual(got, map[string]int{"the same report": 1}) {
		t.Errorf("delivered %v, want the content once", got)
	}
	if got := tree(t, filepath.Join(env.root, "processed")); len(got) != 10 {
		t.Errorf("processed = %v, want all ten files moved", got)
	}
	if got := tree(t, env.root); len(got) != 10 {
		t.Errorf("left in the folder: %v", got)
	}
}

func TestAfterDelivery(t *testing.T) {
	for _, tc := range []struct {
		mode string
		want []string
	}{
		{"leave", []string{"sub/r.xml"}},
		{"move", []string{"processed/sub/r.xml"}},
		{"delete", nil},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			env := newEnv(t)
			env.cfg.AfterDelivery = tc.mode
			env.cfg.StableFor = 10 * time.Millisecond
			env.write("sub/r.xml", "report")
			snk := newSink(t)
			env.runOnce(env.source(), snk)
			if got := tree(t, env.root); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("tree = %v, want %v", got, tc.want)
			}
			if snk.count() != 1 {
				t.Errorf("%d deliveries", snk.count())
			}
		})
	}
}

func TestTransientFailureIsRetriedWithNothingRecorded(t *testing.T) {
	env := newEnv(t)
	env.cfg.AfterDelivery = "move"
	env.write("flaky.xml", "FLAKY report")
	snk := newSink(t)
	// Once mode: the failure leaves the file for the next run.
	env.runOnce(env.source(), snk)
	if got := tree(t, env.root); !reflect.DeepEqual(got, []string{"flaky.xml"}) || snk.count() != 1 {
		t.Fatalf("after a transient failure: tree %v, %d attempts", got, snk.count())
	}
	// Watching: tried again after the backoff (the rescan interval) and delivered.
	env.write("flaky2.xml", "FLAKY second")
	run := env.start(env.source(), snk)
	waitFor(t, "retry delivered", func() bool { return len(snk.delivered()) == 2 })
	run.stop(t)
	if got := snk.delivered(); got["FLAKY report"] != 1 || got["FLAKY second"] != 1 {
		t.Errorf("delivered %v", got)
	}
	if got := tree(t, env.root); !reflect.DeepEqual(got, []string{"processed/flaky.xml", "processed/flaky2.xml"}) {
		t.Errorf("tree = %v", got)
	}
}

func TestRescanFindsFilesWithoutEvents(t *testing.T) {
	env := newEnv(t)
	s := env.source()
	s.noEvents = true // as on a network file system
	snk := newSink(t)
	run := env.startReady(s, snk)
	defer run.stop(t)
	env.write("late/one.xml", "late report")
	waitFor(t, "rescan delivery", func() bool { return snk.delivered()["late report"] == 1 })
}

func TestWatchingPicksUpNewDirectoriesAndDeliversEachOnce(t *testing.T) {
	env := newEnv(t)
	env.cfg.RescanInterval = 100 * time.Millisecond
	snk := newSink(t)
	run := env.startReady(env.source(), snk)
	want := map[string]int{}
	for i := range 30 {
		c := fmt.Sprintf("report %d", i)
		env.write(fmt.Sprintf("d%d/x/r.xml", i%3), c+"") // overwritten in place: three paths, thirty contents
		want[c] = 0
		time.Sleep(5 * time.Millisecond) // the input itself: writes spread over time, racing the scans
	}
	waitFor(t, "final contents delivered", func() bool {
		got := snk.delivered()
		return got["report 27"] == 1 && got["report 28"] == 1 && got["report 29"] == 1
	})
	run.stop(t)
	got := snk.delivered()
	for c, n := range got {
		if n != 1 {
			t.Errorf("%q delivered %d times", c, n)
		}
	}
	// The last content of each path is delivered.
	for _, c := range []string{"report 27", "report 28", "report 29"} {
		if got[c] != 1 {
			t.Errorf("final content %q not delivered: %v", c, got)
		}
	}
}

func TestSecondAgentOnTheSameStateFails(t *testing.T) {
	env := newEnv(t)
	snk := newSink(t)
	run := env.startReady(env.source(), snk) // holds the state store
	defer run.stop(t)
	err := env.source().Run(context.Background(), make(chan collector.Message), true)
	if err == nil || !strings.Contains(err.Error(), "locked by another process") {
		t.Errorf("err = %v", err)
	}
}

func TestMissingFolderIsAnError(t *testing.T) {
	env := newEnv(t)
	env.cfg.Path = filepath.Join(env.root, "nope")
	err := env.source().Run(context.Background(), make(chan collector.Message), true)
	if err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("err = %v", err)
	}
}

func TestVerifyReaderRejectsChangedFile(t *testing.T) {
	env := newEnv(t)
	p := env.write("r.xml", "original")
	src := env.source()
	sum, info, err := src.hashFile(p)
	if err != nil {
		t.Fatal(err)
	}
	r := &run{Source: src}
	msg := r.message(p, sum, info)
	env.write("r.xml", "changed!")
	rc, _ := msg.Open(context.Background())
	defer rc.Close()
	buf := make([]byte, 100)
	var readErr error
	for readErr == nil {
		_, readErr = rc.Read(buf)
	}
	if !strings.Contains(readErr.Error(), "changed after it was found complete") {
		t.Errorf("read error = %v", readErr)
	}
}

func TestEmptyFileWaitsLongerThenFails(t *testing.T) {
	env := newEnv(t)
	env.cfg.StableFor = 50 * time.Millisecond
	snk := newSink(t)
	run := env.startReady(env.source(), snk)
	defer run.stop(t)
	start := time.Now()
	env.write("empty.xml", "")
	waitFor(t, "empty file handed over", func() bool { return snk.count() == 1 })
	if waited := time.Since(start); waited < 10*env.cfg.StableFor {
		t.Errorf("empty file read after %s, before 10 × stable_for", waited)
	}
	waitFor(t, "empty file in failed/", func() bool {
		return reflect.DeepEqual(tree(t, filepath.Join(env.root, "failed")), []string{"empty.xml", "empty.xml.reason"})
	})
}

func TestSymlinkedFolderIsWatched(t *testing.T) {
	env := newEnv(t)
	link := filepath.Join(filepath.Dir(env.root), "link")
	if err := os.Symlink(env.root, link); err != nil {
		t.Fatal(err)
	}
	env.cfg.Path = link
	env.cfg.StableFor = 10 * time.Millisecond
	env.write("r.xml", "through a link")
	snk := newSink(t)
	env.runOnce(env.source(), snk)
	if got := snk.delivered(); got["through a link"] != 1 {
		t.Errorf("delivered %v", got)
	}
}
