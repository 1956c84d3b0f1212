package file

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/dmarc-agent/dmarc-agent/output"
)

// disk is a shared byte budget for every file of an output, as a small
// file system: a write beyond it is cut short (a torn line) and fails
// with ENOSPC, like write(2) on a full disk.
type disk struct {
	mu     sync.Mutex
	free   int64
	faults int
}

type diskFile struct {
	*os.File
	d *disk
}

func (f diskFile) Write(p []byte) (int, error) {
	f.d.mu.Lock()
	n := int64(len(p))
	full := n > f.d.free
	if full {
		n = f.d.free
		f.d.faults++
	}
	f.d.free -= n
	f.d.mu.Unlock()
	w, err := f.File.Write(p[:n])
	if err == nil && full {
		err = &os.PathError{Op: "write", Path: f.Name(), Err: syscall.ENOSPC}
	}
	return w, err
}

func (f diskFile) Truncate(size int64) error {
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if err := f.File.Truncate(size); err != nil {
		return err
	}
	f.d.mu.Lock()
	f.d.free += st.Size() - size
	f.d.mu.Unlock()
	return nil
}

func (d *disk) set(free int64) { d.mu.Lock(); d.free = free; d.mu.Unlock() }

// messages builds n messages of per documents each, over three indices,
// with bodies of about 1 KiB so that one message is larger than the
// output's 64 KiB buffer (it flushes in the middle of a Write too).
func messages(n, per int) [][]output.Doc {
	pad := strings.Repeat("x", 1000)
	var ms [][]output.Doc
	for m := range n {
		var ds []output.Doc
		for i := range per {
			k := m*per + i
			ds = append(ds, output.Doc{
				Index: fmt.Sprintf("dmarc-aggregate-2026.%02d", 1+k%3),
				ID:    fmt.Sprintf("doc-%05d", k),
				Body:  []byte(fmt.Sprintf(`{"n":%d,"pad":%q}`, k, pad)),
			})
		}
		ms = append(ms, ds)
	}
	return ms
}

// checkFiles reads every .ndjson file of dir and returns how many times each
// id appears; it fails on a torn or unpaired line.
func checkFiles(t *testing.T, dir string) map[string]int {
	t.Helper()
	ids := map[string]int{}
	files, _ := filepath.Glob(filepath.Join(dir, "dmarc-*.ndjson"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) > 0 && b[len(b)-1] != '\n' {
			t.Errorf("%s ends with a torn line", filepath.Base(name))
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		sc.Buffer(nil, 1<<20)
		for line := 0; sc.Scan(); line++ {
			var v map[string]json.RawMessage
			if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
				t.Fatalf("%s line %d is not JSON (torn?): %.80q", filepath.Base(name), line+1, sc.Text())
			}
			var action struct {
				ID string `json:"_id"`
			}
			if line%2 == 0 {
				if json.Unmarshal(v["create"], &action) != nil || action.ID == "" {
					t.Fatalf("%s line %d: want an action line, got %.80q", filepath.Base(name), line+1, sc.Text())
				}
				ids[action.ID]++
			} else if _, ok := v["n"]; !ok {
				t.Fatalf("%s line %d: want a document line, got %.80q", filepath.Base(name), line+1, sc.Text())
			}
		}
	}
	return ids
}

// deliver writes each message until it succeeds, like a source that
// redelivers what was not acknowledged; clear is called after the
// faultsBefore-th failed Write (the disk gets space again).
func deliver(t *testing.T, o *Output, ms [][]output.Doc, faultsBefore int, clear func()) (res output.Result, failed int) {
	t.Helper()
	for _, ds := range ms {
		for attempt := 0; ; attempt++ {
			r, err := o.Write(context.Background(), seqOf(ds))
			if err == nil {
				res.Add(r)
				break
			}
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("Write: %v; want ENOSPC", err)
			}
			if r.Indexed != 0 || r.Duplicates != 0 {
				t.Fatalf("failed Write reported %+v", r)
			}
			failed++
			if failed == faultsBefore {
				clear()
			}
			if attempt > 10 {
				t.Fatal("the output does not recover")
			}
		}
	}
	return res, failed
}

func seqOf(ds []output.Doc) func(func(output.Doc, error) bool) {
	return func(yield func(output.Doc, error) bool) {
		for _, d := range ds {
			if !yield(d, nil) {
				return
			}
		}
	}
}

// A full disk in the middle of a Write (torn lines, a flush that fails
// half-way) leaves nothing behind: once space returns, every document is in
// the files exactly once and no line is torn.
func TestFullDiskRecoversWithoutTornLinesOrDuplicates(t *testing.T) {
	dir := t.TempDir()
	o, err := New(Config{Dir: dir}, Append, false)
	if err != nil {
		t.Fatal(err)
	}
	d := &disk{}
	// Room for about 4.5 of the 10 messages (each is 100 documents of
	// about 1,070 bytes with its action line).
	d.set(500_000)
	o.open = func(name string, flag int, perm os.FileMode) (handle, error) {
		f, err := os.OpenFile(name, flag, perm)
		if err != nil {
			return nil, err
		}
		return diskFile{f, d}, nil
	}
	ms := messages(10, 100)
	res, failed := deliver(t, o, ms, 3, func() { d.set(1 << 40) })
	if err := o.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if failed != 3 || d.faults != 3 {
		t.Errorf("%d failed Writes, %d short writes; want 3 and 3 (the fault lasts three attempts)", failed, d.faults)
	}
	if res.Indexed != 1000 || res.Duplicates != 0 {
		t.Errorf("results %+v; want 1000 indexed, 0 duplicates", res)
	}
	ids := checkFiles(t, dir)
	if len(ids) != 1000 {
		t.Errorf("%d distinct ids in the files, want 1000", len(ids))
	}
	for id, n := range ids {
		if n != 1 {
			t.Errorf("id %s written %d times", id, n)
		}
	}
}

// Files are not world-readable.
func TestFileModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	o, err := New(Config{Dir: dir}, Truncate, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o.Write(context.Background(), seqOf(messages(1, 3)[0])); err != nil {
		t.Fatal(err)
	}
	o.Close(context.Background())
	st, _ := os.Stat(dir)
	if st.Mode().Perm()&0o007 != 0 {
		t.Errorf("directory mode %v", st.Mode().Perm())
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.ndjson"))
	if len(files) != 3 {
		t.Fatalf("files %v", files)
	}
	for _, f := range files {
		st, _ := os.Stat(f)
		if st.Mode().Perm()&0o007 != 0 {
			t.Errorf("%s mode %v, world-readable", f, st.Mode().Perm())
		}
	}
}

// A torn end left by an earlier process (killed mid-write) is cut before
// appending: a torn document line, and an action line without its document.
func TestAppendRepairsATornEnd(t *testing.T) {
	dir := t.TempDir()
	a := `{"create":{"_index":"dmarc-aggregate-2026.01","_id":"a"}}` + "\n" + `{"n":1}` + "\n"
	for _, tail := range []string{
		`{"create":{"_index":"dmarc-aggregate-2026.01","_id":"b"}}` + "\n" + `{"n":`,
		`{"create":{"_index":"dmarc-aggregate-2026.01","_id":"b"}}` + "\n",
		`{"create":{"_index":"dmarc-aggr`,
	} {
		name := filepath.Join(dir, "dmarc-aggregate-2026.01.ndjson")
		os.WriteFile(name, []byte(a+tail), 0o640)
		o, _ := New(Config{Dir: dir}, Append, false)
		c := output.Doc{Index: "dmarc-aggregate-2026.01", ID: "c", Body: []byte(`{"n":3}`)}
		if _, err := o.Write(context.Background(), seqOf([]output.Doc{c})); err != nil {
			t.Fatal(err)
		}
		o.Close(context.Background())
		got, _ := os.ReadFile(name)
		want := a + `{"create":{"_index":"dmarc-aggregate-2026.01","_id":"c"}}` + "\n" + `{"n":3}` + "\n"
		if string(got) != want {
			t.Errorf("after a torn end %q:\n%s\nwant:\n%s", tail, got, want)
		}
	}
}

// A document that cannot be one NDJSON line is refused and kept in the
// dead-letter file with its reason and origin; the rest is written.
func TestRefusedDocumentInDeadLetterFile(t *testing.T) {
	dir := t.TempDir()
	o, _ := New(Config{Dir: dir}, Truncate, false)
	ctx := output.WithOrigin(context.Background(), output.Origin{Source: "dir", ID: "in/r.xml"})
	res, err := o.Write(ctx, seqOf([]output.Doc{
		{Index: "dmarc-aggregate-2026.01", ID: "ok", Body: []byte("{\n\"n\": 1}")},
		{Index: "dmarc-aggregate-2026.01", ID: "bad", Body: []byte("{\n")},
	}))
	o.Close(ctx)
	if err != nil || res.Indexed != 1 || len(res.Failed) != 1 || res.DeadLetter != filepath.Join(dir, DeadLetterFile) {
		t.Fatalf("Write = %+v, %v", res, err)
	}
	got, _ := os.ReadFile(filepath.Join(dir, DeadLetterFile))
	var e deadLetterEntry
	if err := json.Unmarshal(got, &e); err != nil || strings.Count(string(got), "\n") != 1 {
		t.Fatalf("dead-letter file %q: %v", got, err)
	}
	if e.ID != "bad" || e.Document != "{\n" || e.Source != "dir" || e.MessageID != "in/r.xml" || !strings.Contains(e.Reason, "not valid JSON") {
		t.Errorf("entry %+v", e)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "dmarc-aggregate-2026.01.ndjson"))
	if !strings.HasSuffix(string(data), "\n{\"n\":1}\n") {
		t.Errorf("the good document was not written compacted: %q", data)
	}
}
