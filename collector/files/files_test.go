package files

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/dmarc-agent/dmarc-agent/collector"
)

// collect runs the source to the end and returns the ids it sent.
func collect(t *testing.T, s *Source) []string {
	t.Helper()
	out := make(chan collector.Message)
	done := make(chan error, 1)
	go func() { done <- s.Run(t.Context(), out, true); close(out) }()
	var ids []string
	for m := range out {
		ids = append(ids, m.ID)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	return ids
}

func write(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

// Arguments in the order given, folder entries in lexical order (sub-folders
// where they fall), hidden entries below an argument left out, a hidden
// file named as an argument read.
func TestOrderAndHiddenEntries(t *testing.T) {
	base := t.TempDir()
	for _, p := range []string{"b/2.xml", "b/10.xml", "b/a/1.xml", "b/.tmp.xml", "b/.partial/x.xml", "b/c.xml", "a.xml", ".hidden.xml"} {
		write(t, filepath.Join(base, p), "x")
	}
	s := New([]string{filepath.Join(base, "b"), filepath.Join(base, "a.xml"), filepath.Join(base, ".hidden.xml")})
	got := collect(t, s)
	rel := make([]string, len(got))
	for i, id := range got {
		rel[i], _ = filepath.Rel(base, id)
	}
	want := []string{"b/10.xml", "b/2.xml", "b/a/1.xml", "b/c.xml", "a.xml", ".hidden.xml"}
	if !slices.Equal(rel, want) {
		t.Errorf("sent %q, want %q", rel, want)
	}
	if u := s.Unreadable(); len(u) != 0 {
		t.Errorf("unreadable %+v, want none", u)
	}
	if n := Count(t.Context(), s.paths); n != len(want) {
		t.Errorf("Count = %d, want %d", n, len(want))
	}
}

// A link named as an argument is followed (to a file: read under the
// link's name; to a folder: walked); a link inside a folder is not. Pipes
// are never opened (opening one would block this test), and each path not
// read is reported with its reason, in the order met.
func TestLinksAndSpecialFiles(t *testing.T) {
	base := t.TempDir()
	outside := filepath.Join(base, "outside.xml")
	write(t, outside, "report")
	dir := filepath.Join(base, "in")
	write(t, filepath.Join(dir, "good.xml"), "report")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Symlink(outside, filepath.Join(dir, "link.xml")))
	must(syscall.Mkfifo(filepath.Join(dir, "pipe"), 0o600))
	fifoArg := filepath.Join(base, "pipe-arg")
	must(syscall.Mkfifo(fifoArg, 0o600))
	linkArg := filepath.Join(base, "link-arg.xml")
	must(os.Symlink(outside, linkArg))
	linkDir := filepath.Join(base, "link-dir")
	must(os.Symlink(dir, linkDir))
	dangling := filepath.Join(base, "dangling")
	must(os.Symlink(filepath.Join(base, "nowhere"), dangling))
	missing := filepath.Join(base, "missing.xml")

	s := New([]string{dir, linkArg, fifoArg, linkDir, dangling, missing})
	got := collect(t, s)
	want := []string{filepath.Join(dir, "good.xml"), linkArg, filepath.Join(dir, "good.xml")}
	if !slices.Equal(got, want) {
		t.Errorf("sent %q, want %q", got, want)
	}
	var bad []string
	for _, u := range s.Unreadable() {
		bad = append(bad, strings.ReplaceAll(u.Path+": "+u.Reason, base, "BASE"))
	}
	wantBad := []string{
		"BASE/in/link.xml: symbolic link inside a folder, not followed (name it as an argument to read it)",
		"BASE/in/pipe: not a regular file: a named pipe (FIFO)",
		"BASE/pipe-arg: not a regular file: a named pipe (FIFO)",
		"BASE/in/link.xml: symbolic link inside a folder, not followed (name it as an argument to read it)",
		"BASE/in/pipe: not a regular file: a named pipe (FIFO)",
		"BASE/dangling: symbolic link to a missing file: stat BASE/dangling: no such file or directory",
		"BASE/missing.xml: lstat BASE/missing.xml: no such file or directory",
	}
	if !slices.Equal(bad, wantBad) {
		t.Errorf("unreadable:\n%s\nwant:\n%s", strings.Join(bad, "\n"), strings.Join(wantBad, "\n"))
	}
	// The message of a link argument reads the target's bytes.
	m := messageOf(t, linkArg)
	rc, err := m.Open(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if b, _ := io.ReadAll(rc); string(b) != "report" || m.Source != Name || m.Name != linkArg {
		t.Errorf("message %+v read %q", m, b)
	}
}

func messageOf(t *testing.T, path string) collector.Message {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return message(path, info)
}

// A file replaced by a pipe after it was found is refused at open, without
// blocking.
func TestOpenRefusesWhatIsNoLongerAFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.xml")
	write(t, path, "x")
	m := messageOf(t, path)
	os.Remove(path)
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	if rc, err := m.Open(t.Context()); err == nil || !strings.Contains(err.Error(), "is no longer a regular file") {
		if rc != nil {
			rc.Close()
		}
		t.Fatalf("open of a pipe: %v", err)
	}
}

// When ctx ends, Run stops sending and returns nil without blocking on a
// reader that no longer reads.
func TestRunStopsWithItsContext(t *testing.T) {
	base := t.TempDir()
	for _, p := range []string{"1.xml", "2.xml", "3.xml"} {
		write(t, filepath.Join(base, p), "x")
	}
	ctx, cancel := context.WithCancel(t.Context())
	out := make(chan collector.Message)
	done := make(chan error, 1)
	go func() { done <- New([]string{base}).Run(ctx, out, true) }()
	if m := <-out; m.ID != filepath.Join(base, "1.xml") {
		t.Fatalf("first message %s", m.ID)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run after cancel: %v", err)
	}
}
