package spool

import (
	"bytes"
	"fmt"
	"testing"
)

// TestSpoolChunks fills several memory chunks, rolls back across a chunk
// boundary, and checks order, content and that memory stays under the limit.
func TestSpoolChunks(t *testing.T) {
	s := New(8<<20, t.TempDir(), nil)
	defer s.Close()
	body := func(i int) []byte { return bytes.Repeat([]byte{byte('a' + i%26)}, 5000+i) }
	var want []string
	add := func(i int, keep bool) {
		t.Helper()
		if err := s.Add("dmarc-aggregate-2025.01", fmt.Sprintf("id-%05d", i), body(i)); err != nil {
			t.Fatal(err)
		}
		if keep {
			want = append(want, fmt.Sprintf("dmarc-aggregate-2025.01|id-%05d|%s", i, body(i)))
		}
	}
	for i := range 30 { // 150 KB: chunks of 16, 32, 64, 128 KB
		add(i, true)
	}
	chunksAtMark := len(s.chunks)
	m, err := s.Mark()
	if err != nil {
		t.Fatal(err)
	}
	for i := 30; i < 200; i++ { // ~1 MB more: new chunks
		add(i, false)
	}
	if len(s.chunks) <= chunksAtMark {
		t.Fatalf("no chunk started after the mark (%d chunks)", len(s.chunks))
	}
	if s.file != nil {
		t.Fatal("spilled to a file under the limit")
	}
	if err := s.Rollback(m); err != nil {
		t.Fatal(err)
	}
	if len(s.chunks) != chunksAtMark {
		t.Errorf("%d chunks after rollback, want %d", len(s.chunks), chunksAtMark)
	}
	for i := 200; i < 260; i++ {
		add(i, true)
	}
	got := collect(t, s)
	if len(got) != len(want) || s.Len() != len(want) {
		t.Fatalf("got %d docs (Len %d), want %d", len(got), s.Len(), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("doc %d differs: %.60q, want %.60q", i, got[i], want[i])
		}
	}
	total := 0
	for _, c := range s.chunks {
		total += len(c)
	}
	if total != s.memLen || s.memLen > 8<<20 {
		t.Errorf("memLen %d, chunks hold %d, limit %d", s.memLen, total, 8<<20)
	}
}
