package dir

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"syscall"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// The state file on a real full file system (a tmpfs filled up after the
// store was created). It needs the right to mount (root); elsewhere
// TestFullStateDiskLeavesFilesPending covers it with an injected failure.
func TestStateOnFullTmpfs(t *testing.T) {
	env := newEnv(t)
	env.cfg.AfterDelivery = "move"
	env.cfg.StableFor = 0
	mnt := filepath.Dir(env.state)
	os.MkdirAll(mnt, 0o750)
	if err := syscall.Mount("tmpfs", mnt, "tmpfs", 0, "size=256k"); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v)", err)
	}
	t.Cleanup(func() { syscall.Unmount(mnt, syscall.MNT_DETACH) })
	s, err := New(env.cfg, nil, prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	env.runOnce(s, newSink(t)) // creates the store, delivers nothing
	filler, err := os.Create(filepath.Join(mnt, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 4096)
	for {
		if _, err := filler.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			break
		}
	}
	var want []string
	for i := range 30 {
		// Records big enough to need new pages in the store.
		env.write(fmt.Sprintf("r%02d-%0200d.xml", i, 0), fmt.Sprintf("report %d", i))
		want = append(want, fmt.Sprintf("r%02d-%0200d.xml", i, 0))
	}
	snk := newSink(t)
	snk.allowAckErrors = true
	env.runOnce(s, snk)
	failedAcks := len(snk.ackErrs)
	t.Logf("full tmpfs: %d of 30 acks failed", failedAcks)
	if failedAcks == 0 {
		t.Fatal("no state write failed on the full tmpfs")
	}
	if got := tree(t, filepath.Join(env.root, "failed")); len(got) != 0 {
		t.Errorf("failed/ = %v", got)
	}
	if err := s.Fault(); err == nil || !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("Fault() = %v, want ENOSPC", err)
	}
	filler.Close()
	os.Remove(filler.Name())
	env.runOnce(s, snk)
	var moved []string
	for _, w := range want {
		moved = append(moved, "processed/"+w)
	}
	if got := tree(t, env.root); !reflect.DeepEqual(got, moved) {
		t.Errorf("after space returned: tree %v", got)
	}
	if s.Fault() != nil {
		t.Errorf("Fault() after recovery = %v", s.Fault())
	}
	if got := snk.count(); got != 30+failedAcks {
		t.Errorf("deliveries = %d, want %d (each failed ack once more)", got, 30+failedAcks)
	}
	// The store is whole after the failed writes: a restart finds it sound.
	env.runOnce(env.source(), snk)
	if m := damaged(t, env.state); len(m) != 0 || snk.count() != 30+failedAcks {
		t.Errorf("restart: moved aside %v, deliveries %d", m, snk.count())
	}
}
