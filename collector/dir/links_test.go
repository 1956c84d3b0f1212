package dir

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// symlinkEnv is a drop folder holding one real report, a link to a report
// file outside the folder, a link to the real report, and a named pipe.
func symlinkEnv(t *testing.T) (*testEnv, string) {
	env := newEnv(t)
	env.cfg.StableFor = 0
	outside := filepath.Join(t.TempDir(), "secret.xml")
	if err := os.WriteFile(outside, []byte("outside report"), 0o600); err != nil {
		t.Fatal(err)
	}
	env.write("real.xml", "real report")
	if err := os.Symlink(outside, filepath.Join(env.root, "passwd.xml")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(env.root, "real.xml"), filepath.Join(env.root, "inner.xml")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(env.root, "pipe.xml"), 0o600); err != nil {
		t.Fatal(err)
	}
	return env, outside
}

// Links in the watched folder are not followed by default: each gets one
// WARN line (however many scans see it) and a count; the file outside is
// never read; nothing goes to failed/.
func TestSymlinksInTheFolderAreNotFollowed(t *testing.T) {
	env, _ := symlinkEnv(t)
	var logs syncLog
	s, err := New(env.cfg, slog.New(slog.NewTextHandler(&logs, nil)), nil)
	if err != nil {
		t.Fatal(err)
	}
	snk := newSink(t)
	run := env.startReady(s, snk)
	waitFor(t, "the real report and three more scans", func() bool {
		return len(snk.delivered()) == 1 && testutil.ToFloat64(s.m.rescans) >= 4
	})
	run.stop(t)
	if got := snk.delivered(); !reflect.DeepEqual(got, map[string]int{"real report": 1}) {
		t.Errorf("delivered %v, want only the real report once", got)
	}
	if got := testutil.ToFloat64(s.m.skipped.WithLabelValues("symlink")); got != 2 {
		t.Errorf("skipped links = %v, want 2", got)
	}
	if got := testutil.ToFloat64(s.m.skipped.WithLabelValues("not_regular")); got != 1 {
		t.Errorf("skipped special files = %v, want 1", got)
	}
	l := logs.String()
	for _, name := range []string{"passwd.xml", "inner.xml"} {
		if n := strings.Count(l, "symbolic link in the watched folder not followed"); n != 2 || !strings.Contains(l, name) {
			t.Errorf("%d link lines (want 2, one per link), %s named: %v\n%s", n, name, strings.Contains(l, name), l)
		}
	}
	if n := strings.Count(l, "not a regular file"); n != 1 {
		t.Errorf("%d lines about the named pipe, want 1", n)
	}
	if got := tree(t, filepath.Join(env.root, "failed")); len(got) != 0 {
		t.Errorf("failed/ = %v", got)
	}
}

// follow_symlinks: true reads through links; the named pipe is still skipped.
func TestFollowSymlinks(t *testing.T) {
	env, _ := symlinkEnv(t)
	env.cfg.FollowSymlinks = true
	s := env.source()
	snk := newSink(t)
	env.runOnce(s, snk)
	if got := snk.delivered(); !reflect.DeepEqual(got, map[string]int{"real report": 1, "outside report": 1}) {
		t.Errorf("delivered %v", got)
	}
	if got := testutil.ToFloat64(s.m.skipped.WithLabelValues("not_regular")); got != 1 {
		t.Errorf("skipped special files = %v, want 1", got)
	}
}

// A link planted at failed/<name>.reason is never written through: its
// target keeps its content and the rejected file goes beside it under its
// hash-prefixed name.
func TestFailedReasonLinkIsNotWrittenThrough(t *testing.T) {
	env := newEnv(t)
	env.cfg.StableFor = 0
	target := filepath.Join(t.TempDir(), "precious")
	if err := os.WriteFile(target, []byte("precious\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(env.root, "failed"), 0o750)
	if err := os.Symlink(target, filepath.Join(env.root, "failed", "bad.xml.reason")); err != nil {
		t.Fatal(err)
	}
	env.write("bad.xml", "BAD data")
	env.runOnce(env.source(), newSink(t))
	if b, _ := os.ReadFile(target); string(b) != "precious\n" {
		t.Errorf("link target overwritten: %q", b)
	}
	h := hexSum("BAD data")
	want := []string{h + "-bad.xml", h + "-bad.xml.reason", "bad.xml.reason"}
	if got := tree(t, filepath.Join(env.root, "failed")); !reflect.DeepEqual(got, want) {
		t.Errorf("failed/ = %v, want %v", got, want)
	}
	if b, _ := os.ReadFile(filepath.Join(env.root, "failed", h+"-bad.xml.reason")); string(b) != "not a report: BAD data\n" {
		t.Errorf("reason = %q", b)
	}
}

// A link planted as processed/sub or as failed/ itself receives nothing:
// the move is refused with a clear WARN and the file stays where it is.
func TestLinkedProcessedOrFailedFolderReceivesNothing(t *testing.T) {
	for _, tc := range []struct{ name, link, file, content string }{
		{"processed/sub", "processed/sub", "sub/r.xml", "good report"},
		{"failed", "failed", "sub/bad.xml", "BAD data"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := newEnv(t)
			env.cfg.StableFor = 0
			env.cfg.AfterDelivery = "move"
			elsewhere := t.TempDir()
			link := filepath.Join(env.root, tc.link)
			os.MkdirAll(filepath.Dir(link), 0o750)
			if err := os.Symlink(elsewhere, link); err != nil {
				t.Fatal(err)
			}
			env.write(tc.file, tc.content)
			var logs syncLog
			s, err := New(env.cfg, slog.New(slog.NewTextHandler(&logs, nil)), nil)
			if err != nil {
				t.Fatal(err)
			}
			env.runOnce(s, newSink(t))
			if got := tree(t, elsewhere); len(got) != 0 {
				t.Errorf("the link's target received %v", got)
			}
			if _, err := os.Stat(filepath.Join(env.root, tc.file)); err != nil {
				t.Errorf("the file did not stay in place: %v", err)
			}
			if !strings.Contains(logs.String(), "is a symbolic link: refusing to write through it") {
				t.Errorf("no WARN about the link:\n%s", logs.String())
			}
		})
	}
}

// syncLog is a log sink safe for concurrent writers.
type syncLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncLog) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncLog) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
