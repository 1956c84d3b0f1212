//go:build linux

package file

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// The same full disk, for real: a 1 MiB tmpfs (mounting needs root; the
// test skips without it), mostly taken by a filler file that is removed
// once the output has failed three times.
func TestFullTmpfsRecovers(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	mnt := t.TempDir()
	if err := syscall.Mount("tmpfs", mnt, "tmpfs", 0, "size=1m"); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(mnt, 0) })
	filler := filepath.Join(mnt, "filler")
	if err := os.WriteFile(filler, make([]byte, 500_000), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(mnt, "out")
	o, err := New(Config{Dir: dir}, Append, false)
	if err != nil {
		t.Fatal(err)
	}
	// 8 messages of 100 documents (about 107 KB each): 856 KB in all, so
	// the disk fills after about half of them; without the filler they fit.
	res, failed := deliver(t, o, messages(8, 100), 3, func() {
		if err := os.Remove(filler); err != nil {
			t.Fatal(err)
		}
	})
	if err := o.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if failed != 3 {
		t.Errorf("%d failed Writes, want 3", failed)
	}
	if res.Indexed != 800 || res.Duplicates != 0 {
		t.Errorf("results %+v; want 800 indexed, 0 duplicates", res)
	}
	ids := checkFiles(t, dir)
	if len(ids) != 800 {
		t.Errorf("%d distinct ids in the files, want 800", len(ids))
	}
	for id, n := range ids {
		if n != 1 {
			t.Errorf("id %s written %d times", id, n)
		}
	}
}
