package statefile_test

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/dmarc-agent/dmarc-agent/internal/statefile"
)

// cursor has the shape of the Gmail source's state.
type cursor struct {
	Mailbox   string   `json:"mailbox"`
	HistoryID uint64   `json:"history_id,string,omitempty"`
	Retry     []string `json:"retry,omitempty"`
	statefile.Checksum
}

// gmailBefore is a state file exactly as collector/gmail wrote it before
// this package existed: it must load unchanged.
const gmailBefore = `{
  "mailbox": "me@example.com https://gmail.example/",
  "history_id": "4242",
  "retry": [
    "a2",
    "b1"
  ],
  "checksum": "62c7bf704181d09556d5bc5454de0a3ed886d790769400199a780b7759496d3f"
}
`

func write(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "state.json")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSaveWritesTheSameBytesAsBefore(t *testing.T) {
	p := filepath.Join(t.TempDir(), "state.json")
	if err := statefile.Save(p, cursor{Mailbox: "me@example.com https://gmail.example/", HistoryID: 4242, Retry: []string{"a2", "b1"}}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != gmailBefore {
		t.Errorf("saved:\n%s\nwant:\n%s", b, gmailBefore)
	}
	info, _ := os.Stat(p)
	if info.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", info.Mode().Perm())
	}
}

func TestLoad(t *testing.T) {
	want := cursor{Mailbox: "me@example.com https://gmail.example/", HistoryID: 4242, Retry: []string{"a2", "b1"}}
	legacy := regexp.MustCompile(`,\n\s*"checksum": "[0-9a-f]{64}"`).ReplaceAllString(gmailBefore, "")
	for _, tc := range []struct {
		name, content string
		reason        string // "" means it loads as want
	}{
		{"written before", gmailBefore, ""},
		{"legacy without checksum", legacy, ""},
		{"empty", "", "is empty (0 bytes)"},
		{"not json", "\x00\x17garbage{", "is not valid JSON"},
		{"truncated", gmailBefore[:40], "is not valid JSON"},
		{"edited cursor", strings.Replace(gmailBefore, `"4242"`, `"14242"`, 1), "does not match its checksum"},
		{"edited checksum", strings.Replace(gmailBefore, `"62c7`, `"72c7`, 1), "does not match its checksum"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := write(t, tc.content)
			got, err := statefile.Load[cursor](p)
			if tc.reason == "" {
				if err != nil {
					t.Fatal(err)
				}
				if got.Mailbox != want.Mailbox || got.HistoryID != want.HistoryID || !slices.Equal(got.Retry, want.Retry) {
					t.Errorf("loaded %+v, want %+v", got, want)
				}
				return
			}
			if !errors.Is(err, statefile.ErrDamaged) || !strings.Contains(err.Error(), tc.reason) || !strings.Contains(err.Error(), p) {
				t.Fatalf("err = %v, want ErrDamaged saying %q and naming the file", err, tc.reason)
			}
			if got.Mailbox != "" || got.HistoryID != 0 || got.Retry != nil {
				t.Errorf("a damaged file gave %+v, want the zero state", got)
			}
		})
	}
}

func TestLoadMissingIsAFreshStart(t *testing.T) {
	got, err := statefile.Load[cursor](filepath.Join(t.TempDir(), "none.json"))
	if err != nil || got.Mailbox != "" || got.HistoryID != 0 {
		t.Fatalf("got %+v, %v; want the zero state and no error", got, err)
	}
}

func TestLoadUnreadableIsNotDamage(t *testing.T) {
	dir := t.TempDir() // a directory where the file should be: reading fails
	_, err := statefile.Load[cursor](dir)
	if err == nil || errors.Is(err, statefile.ErrDamaged) {
		t.Fatalf("err = %v, want a read error that is not ErrDamaged", err)
	}
}

func TestMoveAside(t *testing.T) {
	p := write(t, "damaged")
	aside, err := statefile.MoveAside(p)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^` + regexp.QuoteMeta(p) + `\.damaged-\d{8}T\d{6}Z$`).MatchString(aside) {
		t.Errorf("moved to %s", aside)
	}
	if b, _ := os.ReadFile(aside); string(b) != "damaged" {
		t.Errorf("moved file holds %q", b)
	}
	if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the damaged file is still at %s: %v", p, err)
	}
	if _, err := statefile.MoveAside(p); err == nil {
		t.Error("moving a missing file aside succeeded")
	}
}

// A write that fails leaves no temporary file; one that succeeds replaces
// the file.
func TestWriteAtomicLeavesNoPartialFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "state.json")
	if err := statefile.WriteAtomic(p, []byte("old\n")); err != nil {
		t.Fatal(err)
	}
	// A directory in place of the target makes the final rename fail
	// after the data was written and synced.
	blocked := filepath.Join(dir, "sub")
	if err := os.MkdirAll(filepath.Join(blocked, "x"), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := statefile.WriteAtomic(blocked, []byte("new\n")); err == nil || !strings.Contains(err.Error(), blocked) {
		t.Fatalf("err = %v, want a failure naming %s", err, blocked)
	}
	if err := statefile.WriteAtomic(filepath.Join(dir, "missing", "state.json"), []byte("x")); err == nil {
		t.Fatal("writing into a missing directory succeeded")
	}
	if err := statefile.WriteAtomic(p, []byte("new\n")); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"state.json", "sub"}) {
		t.Errorf("directory holds %v, want [state.json sub]: a temporary file was left", names)
	}
	if b, _ := os.ReadFile(p); string(b) != "new\n" {
		t.Errorf("state.json holds %q", b)
	}
}
