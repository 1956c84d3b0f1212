package pipeline

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

// withTwoStage runs fn with the second goroutine forced on or off.
func withTwoStage(t *testing.T, on bool, fn func()) {
	t.Helper()
	old := twoStage
	twoStage = func() bool { return on }
	defer func() { twoStage = old }()
	fn()
}

// TestTwoStageSameDocuments: a report of several batches gives the same
// documents in the same order whether one goroutine or two build them, in
// memory and spilled to a file.
func TestTwoStageSameDocuments(t *testing.T) {
	defer goleak.VerifyNone(t)
	data := gz(t, aggXML("big", 5*enrichBatch+17))
	for _, spoolMem := range []int{64 << 20, 100 << 10} {
		var runs [2][]string
		for i, on := range []bool{false, true} {
			withTwoStage(t, on, func() {
				out := &memOutput{}
				p := newTestPipeline(out, nil, spoolMem)
				res := p.Deliver(context.Background(), p.Prepare(context.Background(), message("big.xml.gz", data)))
				if res.Outcome.Err != nil || res.Documents != 5*enrichBatch+17 || len(out.docs) != res.Documents {
					t.Fatalf("two stages %v: err %v, %d documents, %d delivered", on, res.Outcome.Err, res.Documents, len(out.docs))
				}
				for _, d := range out.docs {
					runs[i] = append(runs[i], d.Index+" "+d.ID+" "+string(d.Body))
				}
			})
		}
		for j := range runs[0] {
			if runs[0][j] != runs[1][j] {
				t.Fatalf("spool %d: document %d differs:\n one stage %.120s\ntwo stages %.120s", spoolMem, j, runs[0][j], runs[1][j])
			}
		}
	}
}

// TestTwoStageSpoolFailure: when the second goroutine cannot spool (the
// spill file cannot be created), the message is not delivered, the error
// says why, and no goroutine is left behind.
func TestTwoStageSpoolFailure(t *testing.T) {
	defer goleak.VerifyNone(t)
	withTwoStage(t, true, func() {
		out := &memOutput{}
		cfg := DefaultConfig()
		cfg.SpoolMemoryBytes = 64 << 10
		p := New(cfg, Deps{Output: out, TempDir: filepath.Join(t.TempDir(), "missing")})
		pr := p.Prepare(context.Background(), message("big.xml.gz", gz(t, aggXML("big", 8*enrichBatch))))
		res := p.Deliver(context.Background(), pr)
		if res.Outcome.Err == nil || !strings.Contains(res.Outcome.Err.Error(), "creating spool file") {
			t.Fatalf("outcome error = %v, want the spool failure", res.Outcome.Err)
		}
		var pe *os.PathError
		if !errors.As(res.Outcome.Err, &pe) {
			t.Errorf("error %v does not wrap the path error", res.Outcome.Err)
		}
		if len(out.docs) != 0 || len(res.Rejected) != 0 {
			t.Fatalf("%d documents delivered, rejections %v: a failure of ours must deliver nothing and reject nothing", len(out.docs), res.Rejected)
		}
	})
}

// TestTwoStageBadReport: a report that breaks after several batches went to
// the second goroutine is rejected whole; its neighbour is delivered.
func TestTwoStageBadReport(t *testing.T) {
	defer goleak.VerifyNone(t)
	withTwoStage(t, true, func() {
		full := aggXML("trunc", 6*enrichBatch)
		data := zipOf(t, map[string]string{"a.xml": aggXML("good", 700), "b.xml": full[:len(full)*3/4]}, "a.xml", "b.xml")
		out := &memOutput{}
		p := newTestPipeline(out, nil, 1<<20)
		res := p.Deliver(context.Background(), p.Prepare(context.Background(), message("m.zip", data)))
		if res.Outcome.Err != nil || len(out.docs) != 700 || len(res.Rejected) != 1 || !bytes.Contains([]byte(res.Rejected[0].Path), []byte("b.xml")) {
			t.Fatalf("err %v, %d documents, rejected %v; want the 700 of a.xml and b.xml rejected", res.Outcome.Err, len(out.docs), res.Rejected)
		}
	})
}
