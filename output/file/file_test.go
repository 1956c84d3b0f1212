package file

import (
	"context"
	"iter"
	"os"
	"path/filepath"
	"testing"

	"github.com/dmarc-agent/dmarc-agent/output"
)

func seq(docs ...output.Doc) iter.Seq2[output.Doc, error] {
	return func(yield func(output.Doc, error) bool) {
		for _, d := range docs {
			if !yield(d, nil) {
				return
			}
		}
	}
}

func TestWriteDuplicatesAndModes(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a := output.Doc{Index: "dmarc-aggregate-2026.11", ID: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", Body: []byte(`{"a":1}`)}
	b := output.Doc{Index: "dmarc-aggregate-2026.10", ID: "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB", Body: []byte(`{"b":"<x>"}`)}

	o, err := New(Config{Dir: dir}, Truncate, false)
	if err != nil {
		t.Fatal(err)
	}
	res, err := o.Write(ctx, seq(a, b, a))
	if err != nil {
		t.Fatal(err)
	}
	if res.Indexed != 2 || res.Duplicates != 1 {
		t.Fatalf("result %+v, want 2 indexed 1 duplicate", res)
	}
	if err := o.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := o.Close(ctx); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "dmarc-aggregate-2026.11.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"create":{"_index":"dmarc-aggregate-2026.11","_id":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}}` + "\n" + `{"a":1}` + "\n"
	if string(got) != want {
		t.Fatalf("file:\n%s\nwant:\n%s", got, want)
	}
	if files := o.Files(); len(files) != 2 || filepath.Base(files[0]) != "dmarc-aggregate-2026.10.ndjson" {
		t.Fatalf("Files() = %v", files)
	}

	// Append mode with reindex adds "index" actions after what is there.
	o2, err := New(Config{Dir: dir}, Append, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o2.Write(ctx, seq(a)); err != nil {
		t.Fatal(err)
	}
	o2.Close(ctx)
	got, _ = os.ReadFile(filepath.Join(dir, "dmarc-aggregate-2026.11.ndjson"))
	want2 := want + `{"index":{"_index":"dmarc-aggregate-2026.11","_id":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}}` + "\n" + `{"a":1}` + "\n"
	if string(got) != want2 {
		t.Fatalf("append:\n%s", got)
	}

	// Truncate mode starts afresh.
	o3, _ := New(Config{Dir: dir}, Truncate, false)
	o3.Write(ctx, seq(a))
	o3.Close(ctx)
	if got, _ = os.ReadFile(filepath.Join(dir, "dmarc-aggregate-2026.11.ndjson")); string(got) != want {
		t.Fatalf("truncate:\n%s", got)
	}
	if _, err := o3.Write(ctx, seq(a)); err == nil {
		t.Fatal("Write after Close succeeded")
	}
}
