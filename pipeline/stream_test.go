package pipeline

import (
	"context"
	"errors"
	"io"
	"iter"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/dmarc-agent/dmarc-agent/collector"
	"github.com/dmarc-agent/dmarc-agent/output"
)

// streamOutput is a memOutput that drains at once (output.Streaming); it
// counts its Writes and fails the Write numbered failAt (from 1).
type streamOutput struct {
	memOutput
	writes atomic.Int64
	failAt int64
}

func (s *streamOutput) DrainsAtOnce() {}

func (s *streamOutput) Write(ctx context.Context, docs iter.Seq2[output.Doc, error]) (output.Result, error) {
	if n := s.writes.Add(1); n == s.failAt {
		for range docs {
		}
		return output.Result{}, errors.New("cluster refuses")
	}
	return s.memOutput.Write(ctx, docs)
}

// newStreamingPipeline is newTestPipeline with at most spillMax bytes
// spilled before a message bound for a streaming output is read again.
func newStreamingPipeline(out output.Output, arch Archiver, spoolMem int, spillMax int64) *Pipeline {
	p := newTestPipeline(out, arch, spoolMem)
	p.cfg.StreamAboveBytes = spillMax
	return p
}

// TestStreamingOnlyAboveTheSpillAllowance: spilling is cheaper than a
// second reading, so a message bound for a streaming output spills up to
// stream_above_bytes and is read again only beyond it. Both ways give the
// same documents.
func TestStreamingOnlyAboveTheSpillAllowance(t *testing.T) {
	msg := message("big.zip", zipOf(t, map[string]string{"a.xml": aggXML("big", 3000)}, "a.xml"))
	var docs []map[string]string
	for _, tc := range []struct {
		spillMax       int64
		opens, atLeast int64
	}{
		{64 << 20, 1, 1},  // fits the allowance: spilled, one reading, one Write
		{256 << 10, 2, 3}, // does not: read again and streamed in several Writes
	} {
		out := &streamOutput{}
		var opens atomic.Int64
		m := msg
		m.Open = func(ctx context.Context) (io.ReadCloser, error) { opens.Add(1); return msg.Open(ctx) }
		p := newStreamingPipeline(out, nil, 64<<10, tc.spillMax)
		res := p.Deliver(t.Context(), p.Prepare(t.Context(), m))
		if res.Outcome.Err != nil || len(out.docs) != 3000 {
			t.Fatalf("allowance %d: %v, %d docs", tc.spillMax, res.Outcome.Err, len(out.docs))
		}
		if opens.Load() != tc.opens || out.writes.Load() < tc.atLeast || (tc.opens == 1 && out.writes.Load() != 1) {
			t.Errorf("allowance %d: opened %d times, %d Writes; want %d readings and at least %d Writes",
				tc.spillMax, opens.Load(), out.writes.Load(), tc.opens, tc.atLeast)
		}
		docs = append(docs, bodies(out.docs))
	}
	if !maps.Equal(docs[0], docs[1]) {
		t.Error("spilled and streamed documents differ")
	}
}

func bodies(docs []output.Doc) map[string]string {
	m := map[string]string{}
	for _, d := range docs {
		m[d.Index+"|"+d.ID] = string(d.Body)
	}
	return m
}

func keys(res Result) [][32]byte {
	var k [][32]byte
	for _, c := range res.Copies {
		k = append(k, c.Key)
	}
	return k
}

// A message too large for the spool's memory, bound for an output that
// drains at once, is streamed in several Writes: the same documents, ids
// and summary as through the spool, and not one document of the report
// that turns out invalid after thousands of its records were parsed.
func TestStreamedMessageMatchesSpooled(t *testing.T) {
	big := aggXML("big", 3000)
	bad := aggXML("bad", 3000)
	bad = bad[:len(bad)*9/10] // truncated: invalid only at its end
	small := aggXML("small", 3)
	data := zipOf(t, map[string]string{"a.xml": big, "b.xml": bad, "c.xml": small}, "a.xml", "b.xml", "c.xml")
	msg := message("big.zip", data)

	spooled := &memOutput{}
	p := newTestPipeline(spooled, &memArchive{}, 64<<10)
	want := p.Deliver(t.Context(), p.Prepare(t.Context(), msg))
	if want.Outcome.Err != nil || len(spooled.docs) != 3003 {
		t.Fatalf("spooled: %v, %d docs", want.Outcome.Err, len(spooled.docs))
	}

	streamed := &streamOutput{}
	arch := &memArchive{}
	opens := 0
	m2 := msg
	m2.Open = func(ctx context.Context) (io.ReadCloser, error) { opens++; return msg.Open(ctx) }
	p = newStreamingPipeline(streamed, arch, 64<<10, 0)
	got := p.Deliver(t.Context(), p.Prepare(t.Context(), m2))
	if got.Outcome.Err != nil {
		t.Fatalf("streamed: %v", got.Outcome.Err)
	}
	if opens != 2 || streamed.writes.Load() < 3 {
		t.Fatalf("message opened %d times, %d Writes; want 2 readings and several Writes", opens, streamed.writes.Load())
	}
	if !maps.Equal(bodies(streamed.docs), bodies(spooled.docs)) {
		t.Fatalf("streamed %d documents, spooled %d: they differ", len(streamed.docs), len(spooled.docs))
	}
	for _, d := range streamed.docs {
		if strings.Contains(string(d.Body), `"id":"bad"`) {
			t.Fatalf("a document of the truncated report was written: %.80s", d.Body)
		}
	}
	if got.Documents != want.Documents || got.Messages != want.Messages || got.Output.Indexed != 3003 ||
		!slices.Equal(keys(got), keys(want)) || !maps.Equal(got.Outcome.Reports, want.Outcome.Reports) {
		t.Fatalf("streamed result %d docs %d messages %d indexed %v reports; spooled %d %d %v",
			got.Documents, got.Messages, got.Output.Indexed, got.Outcome.Reports, want.Documents, want.Messages, want.Outcome.Reports)
	}
	if len(got.Rejected) != 1 || !strings.HasSuffix(got.Rejected[0].Path, "b.xml") || got.Rejected[0].Reason != want.Rejected[0].Reason {
		t.Fatalf("rejections %+v, want the one of b.xml: %+v", got.Rejected, want.Rejected)
	}
	if len(arch.committed) != 2 || arch.aborted != 1 {
		t.Fatalf("archive committed %v aborted %d; want the 2 valid reports, once", arch.committed, arch.aborted)
	}
	if used := p.budget.Used(); used != 0 {
		t.Fatalf("memory budget still used: %d", used)
	}
}

// A large report that turns out invalid near its end, alone in its
// message, never reaches the output: no Write at all.
func TestStreamedInvalidReportWritesNothing(t *testing.T) {
	full := aggXML("late", 4000)
	cases := map[string]string{
		"truncated":      full[:len(full)-200],
		"bad last count": strings.Replace(full, "<count>4000</count>", "<count>many</count>", 1),
	}
	for name, xml := range cases {
		t.Run(name, func(t *testing.T) {
			out := &streamOutput{}
			p := newStreamingPipeline(out, nil, 64<<10, 0)
			got := p.Deliver(t.Context(), p.Prepare(t.Context(), message("late.xml.gz", gz(t, xml))))
			if !got.Outcome.Rejected() || !errors.Is(got.Outcome.Err, collector.ErrNoReport) {
				t.Fatalf("outcome %v, want a rejection", got.Outcome.Err)
			}
			if n := out.writes.Load(); n != 0 || len(out.docs) != 0 {
				t.Fatalf("%d Writes, %d documents written for an invalid report", n, len(out.docs))
			}
		})
	}
}

// When the second reading differs from the first (the input changed) or
// the output fails a Write, the message is not delivered: it stays pending
// (a transient error, never a rejection) and its archive copy is dropped.
func TestStreamedFailureKeepsTheMessagePending(t *testing.T) {
	full := aggXML("r", 3000)
	t.Run("input changed", func(t *testing.T) {
		var mu sync.Mutex
		reads := 0
		msg := message("r.xml.gz", nil)
		msg.Open = func(context.Context) (io.ReadCloser, error) {
			mu.Lock()
			defer mu.Unlock()
			reads++
			if reads == 1 {
				return io.NopCloser(strings.NewReader(string(gz(t, full)))), nil
			}
			return io.NopCloser(strings.NewReader(string(gz(t, full[:len(full)-100])))), nil
		}
		arch := &memArchive{}
		p := newStreamingPipeline(&streamOutput{}, arch, 64<<10, 0)
		got := p.Deliver(t.Context(), p.Prepare(t.Context(), msg))
		if got.Outcome.Err == nil || got.Outcome.Rejected() || !strings.Contains(got.Outcome.Err.Error(), "valid when first read, not when read again") {
			t.Fatalf("outcome %v, want a transient error naming the second reading", got.Outcome.Err)
		}
		if len(arch.committed) != 0 || arch.aborted != 1 {
			t.Fatalf("archive committed %v aborted %d", arch.committed, arch.aborted)
		}
	})
	t.Run("write fails", func(t *testing.T) {
		out := &streamOutput{failAt: 2}
		arch := &memArchive{}
		p := newStreamingPipeline(out, arch, 64<<10, 0)
		got := p.Deliver(t.Context(), p.Prepare(t.Context(), message("r.xml.gz", gz(t, full))))
		if got.Outcome.Err == nil || got.Outcome.Rejected() || !strings.Contains(got.Outcome.Err.Error(), "cluster refuses") {
			t.Fatalf("outcome %v, want the output's error", got.Outcome.Err)
		}
		if len(arch.committed) != 0 || arch.aborted != 1 {
			t.Fatalf("archive committed %v aborted %d", arch.committed, arch.aborted)
		}
		// Delivered again to a working output: every document, once.
		out.failAt = 0
		again := p.Deliver(t.Context(), p.Prepare(t.Context(), message("r.xml.gz", gz(t, full))))
		if again.Outcome.Err != nil || len(out.docs) != 3000 || again.Output.Indexed+again.Output.Duplicates != 3000 {
			t.Fatalf("redelivery: %v, %d documents, %+v", again.Outcome.Err, len(out.docs), again.Output)
		}
	})
}

// A small message is not read twice: it fits in the spool and goes in one Write.
func TestSmallMessageIsNotStreamed(t *testing.T) {
	out := &streamOutput{}
	opens := 0
	msg := message("s.xml.gz", gz(t, aggXML("s", 50)))
	open := msg.Open
	msg.Open = func(ctx context.Context) (io.ReadCloser, error) { opens++; return open(ctx) }
	p := newTestPipeline(out, nil, 1<<20)
	got := p.Deliver(t.Context(), p.Prepare(t.Context(), msg))
	if got.Outcome.Err != nil || opens != 1 || out.writes.Load() != 1 || len(out.docs) != 50 {
		t.Fatalf("%v: opened %d times, %d Writes, %d documents", got.Outcome.Err, opens, out.writes.Load(), len(out.docs))
	}
}
