package archive

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dmarc-agent/dmarc-agent/report/kind"
)

func newTestArchive(t *testing.T) *Archive {
	t.Helper()
	a, err := New(Config{Enabled: true, Dir: filepath.Join(t.TempDir(), "archive")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// files lists every file under dir, relative, sorted.
func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

func store(t *testing.T, a *Archive, payload string, kind kind.Kind, date time.Time) error {
	t.Helper()
	w, err := a.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	// Written in pieces, as a parser reading the payload would.
	for chunk := range strings.SplitSeq(payload, "\n") {
		if _, err := io.WriteString(w, chunk+"\n"); err != nil {
			t.Fatal(err)
		}
	}
	return w.Commit(kind, date)
}

func sum(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func gunzip(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestCommitStoresByKindAndReportMonth(t *testing.T) {
	east := time.FixedZone("UTC+2", 2*3600)
	for _, tc := range []struct {
		kind kind.Kind
		date time.Time
		dir  string
		ext  string
	}{
		{kind.Aggregate, time.Date(2026, 10, 14, 12, 0, 0, 0, time.UTC), "2026/10", "xml.gz"},
		{kind.SMTPTLS, time.Date(2025, 1, 31, 23, 59, 59, 0, time.UTC), "2025/01", "json.gz"},
		// 00:30 on 1 March at UTC+2 is still February in UTC.
		{kind.Failure, time.Date(2026, 3, 1, 0, 30, 0, 0, east), "2026/02", "eml.gz"},
	} {
		t.Run(string(tc.kind), func(t *testing.T) {
			a := newTestArchive(t)
			payload := "<feedback>\n<report_metadata>" + string(tc.kind) + "</report_metadata>\n</feedback>"
			if err := store(t, a, payload, tc.kind, tc.date); err != nil {
				t.Fatal(err)
			}
			raw := payload + "\n"
			want := []string{tc.dir + "/" + sum(raw) + "." + tc.ext}
			if got := files(t, a.Dir()); strings.Join(got, ",") != strings.Join(want, ",") {
				t.Fatalf("files = %v, want %v", got, want)
			}
			if got := gunzip(t, filepath.Join(a.Dir(), want[0])); got != raw {
				t.Errorf("stored payload = %q, want %q", got, raw)
			}
		})
	}
}

func TestCommitIsIdempotent(t *testing.T) {
	a := newTestArchive(t)
	date := time.Date(2026, 5, 2, 0, 0, 0, 0, time.UTC)
	if err := store(t, a, "same report", kind.Aggregate, date); err != nil {
		t.Fatal(err)
	}
	first := files(t, a.Dir())
	p := filepath.Join(a.Dir(), first[0])
	old := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := os.Chtimes(p, old, old); err != nil {
		t.Fatal(err)
	}
	if err := store(t, a, "same report", kind.Aggregate, date); err != nil {
		t.Fatal(err)
	}
	if got := files(t, a.Dir()); len(got) != 1 || got[0] != first[0] {
		t.Fatalf("files after second commit = %v, want only %v", got, first)
	}
	if info, _ := os.Stat(p); !info.ModTime().Equal(old) {
		t.Error("the existing archive file was rewritten")
	}
	if err := store(t, a, "another report", kind.Aggregate, date); err != nil {
		t.Fatal(err)
	}
	if got := files(t, a.Dir()); len(got) != 2 {
		t.Errorf("a different payload was not stored: %v", got)
	}
}

func TestConcurrentCommitsOfOnePayload(t *testing.T) {
	a := newTestArchive(t)
	date := time.Date(2026, 5, 2, 0, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() { errs <- store(t, a, strings.Repeat("row\n", 1000), kind.Aggregate, date) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if got := files(t, a.Dir()); len(got) != 1 {
		t.Fatalf("files = %v, want one", got)
	}
}

func TestAbortAndFailuresLeaveNothing(t *testing.T) {
	a := newTestArchive(t)
	date := time.Date(2026, 5, 2, 0, 0, 0, 0, time.UTC)

	w, err := a.Start()
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, "half a report")
	if err := w.Abort(); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(kind.Aggregate, date); err == nil {
		t.Error("commit after abort succeeded")
	}
	if _, err := w.Write([]byte("x")); err == nil {
		t.Error("write after abort succeeded")
	}

	for _, tc := range []struct {
		name string
		kind kind.Kind
		date time.Time
		want string
	}{
		{"unknown kind", "forensic", date, `unknown report kind "forensic"`},
		{"no date", kind.Aggregate, time.Time{}, "no date"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := store(t, a, "payload", tc.kind, tc.date)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
	if got := files(t, a.Dir()); len(got) != 0 {
		t.Errorf("files left behind: %v", got)
	}

	// Abort after Commit is a no-op and keeps the stored file.
	w, _ = a.Start()
	io.WriteString(w, "kept")
	if err := w.Commit(kind.Aggregate, date); err != nil {
		t.Fatal(err)
	}
	if err := w.Abort(); err != nil {
		t.Fatal(err)
	}
	if got := files(t, a.Dir()); len(got) != 1 {
		t.Errorf("files = %v, want the committed one", got)
	}
}

func TestNewRemovesUnfinishedFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "archive")
	os.MkdirAll(filepath.Join(dir, "2026", "10"), 0o750)
	temp, kept := filepath.Join(dir, tempPrefix+"123"), filepath.Join(dir, "2026", "10", "abc.xml.gz")
	for _, p := range []string{temp, kept} {
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := New(Config{Enabled: true, Dir: dir}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(temp); !os.IsNotExist(err) {
		t.Error("a file left by a killed writer was kept")
	}
	if _, err := os.Stat(kept); err != nil {
		t.Error("an archived report was removed")
	}
}

func TestWriteMatchesBytesWritten(t *testing.T) {
	a := newTestArchive(t)
	w, _ := a.Start()
	defer w.Abort()
	payload := bytes.Repeat([]byte{0, 1, 2, 0xff}, 50000)
	n, err := w.Write(payload)
	if err != nil || n != len(payload) {
		t.Fatalf("Write = %d, %v", n, err)
	}
	if err := w.Commit(kind.Aggregate, time.Unix(1e9, 0)); err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256(payload)
	p := filepath.Join(a.Dir(), "2001", "09", hex.EncodeToString(h[:])+".xml.gz")
	if got := gunzip(t, p); got != string(payload) {
		t.Error("binary payload changed in the archive")
	}
}
