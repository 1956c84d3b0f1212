package dir

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// fillState writes n delivered records into a fresh state file at path in
// one transaction, plus the records of the given contents, and returns the
// number of pages in use (the high-water mark).
func fillState(t *testing.T, path string, n int, contents []string) int {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(contentBucket)
		if err != nil {
			return err
		}
		put := func(content, name string) error {
			sum := sha256.Sum256([]byte(content))
			v, _ := json.Marshal(record{Status: statusDelivered, At: time.Unix(1.7e9, 0).UTC(), Name: name})
			return b.Put(sum[:], v)
		}
		for i := range n {
			if err := put(fmt.Sprintf("old report %d", i), fmt.Sprintf("2025/old-%05d.xml.gz", i)); err != nil {
				return err
			}
		}
		for i, c := range contents {
			if err := put(c, fmt.Sprintf("r%d.xml", i)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var used int64
	db.View(func(tx *bolt.Tx) error { used = tx.Size(); return nil })
	pageSize := int64(db.Info().PageSize)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return int(used / pageSize)
}

// damaged lists the files moved aside next to the state file.
func damaged(t *testing.T, state string) []string {
	t.Helper()
	m, err := filepath.Glob(state + ".damaged-*")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// Every 4 KiB page in use in a real state file (1,500 records), and every
// 8th page of the rest of the file, overwritten in turn with random bytes: the source never panics and Run never fails. Either
// the damage is detected (bbolt's check, a panic recovered, a record that
// does not decode): the file is moved aside with an ERROR and the 10 files
// in the folder are delivered again; or the page was not in use (a free
// page, one of the two meta pages): the state still knows all 10 files and
// nothing is delivered again. Nothing is lost either way.
func TestDamagedStatePages(t *testing.T) {
	const page = 4096
	var contents []string
	for i := range 10 {
		contents = append(contents, fmt.Sprintf("report %d", i))
	}
	pristine := filepath.Join(t.TempDir(), "pristine.db")
	used := fillState(t, pristine, 1500, contents)
	orig, err := os.ReadFile(pristine)
	if err != nil {
		t.Fatal(err)
	}
	pages := len(orig) / page
	if used < 64 {
		t.Fatalf("state file uses %d pages, want at least 64 for this test", used)
	}
	rng := rand.New(rand.NewPCG(13, 5))
	detected, intact, tried := 0, 0, 0
	for pg := range pages {
		if pg >= used && pg%8 != 0 {
			continue
		}
		tried++
		env := newEnv(t)
		env.cfg.StableFor = 0
		for i, c := range contents {
			env.write(fmt.Sprintf("r%d.xml", i), c)
		}
		os.MkdirAll(filepath.Dir(env.state), 0o750)
		b := bytes.Clone(orig)
		for i := pg * page; i < (pg+1)*page; i++ {
			b[i] = byte(rng.Uint32())
		}
		if err := os.WriteFile(env.state, b, 0o600); err != nil {
			t.Fatal(err)
		}
		var logs bytes.Buffer
		s, err := New(env.cfg, slog.New(slog.NewTextHandler(&logs, nil)), nil)
		if err != nil {
			t.Fatal(err)
		}
		snk := newSink(t)
		env.runOnce(s, snk) // fails the test if Run returns an error; a panic would crash it
		moved := damaged(t, env.state)
		got := len(snk.delivered())
		switch {
		case len(moved) == 1:
			detected++
			if got != len(contents) {
				t.Errorf("page %d: state moved aside, %d files delivered, want %d", pg, got, len(contents))
			}
			if !strings.Contains(logs.String(), "level=ERROR msg=\"state file damaged: moved aside") {
				t.Errorf("page %d: no ERROR line about the damaged state:\n%s", pg, logs.String())
			}
			if aside, _ := os.ReadFile(moved[0]); !bytes.Equal(aside, b) {
				t.Errorf("page %d: the file moved aside is not the damaged file", pg)
			}
		case len(moved) == 0:
			intact++
			if got != 0 {
				t.Errorf("page %d: state kept, but %d files delivered again, want 0", pg, got)
			}
		default:
			t.Errorf("page %d: moved aside %d times", pg, len(moved))
		}
	}
	t.Logf("%d pages (%d in use), %d overwritten: %d detected and moved aside, %d harmless (unused page or spare meta page)",
		pages, used, tried, detected, intact)
	if detected == 0 {
		t.Error("no damaged page was ever detected")
	}
}

// A 0-byte state file is not taken for a fresh start in silence: it is
// reported and moved aside, then a fresh state is used.
func TestEmptyStateFileIsReported(t *testing.T) {
	env := newEnv(t)
	env.write("r.xml", "report")
	os.MkdirAll(filepath.Dir(env.state), 0o750)
	if err := os.WriteFile(env.state, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	s, err := New(env.cfg, slog.New(slog.NewTextHandler(&logs, nil)), nil)
	if err != nil {
		t.Fatal(err)
	}
	snk := newSink(t)
	env.runOnce(s, snk)
	if moved := damaged(t, env.state); len(moved) != 1 {
		t.Fatalf("moved aside: %v, want one file", moved)
	}
	if !strings.Contains(logs.String(), "the file is empty (0 bytes)") || !strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("log does not report the empty state file:\n%s", logs.String())
	}
	if got := snk.delivered(); got["report"] != 1 {
		t.Errorf("delivered %v", got)
	}
}
