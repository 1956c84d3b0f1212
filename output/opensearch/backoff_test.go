package opensearch

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dmarc-agent/dmarc-agent/output"
)

// A batch in backoff holds no worker: with one worker and a batch whose
// backoff is an hour, another Write still goes through.
func TestBackoffFreesTheWorker(t *testing.T) {
	f := newFake(t)
	f.bulk = func(_ int, lines []bulkLine, w http.ResponseWriter) bool {
		if lines[0].Index != "dmarc-aggregate-2026.01" {
			return false
		}
		st := make([]int, len(lines))
		for i := range st {
			st[i] = 429
		}
		writeBulk(w, lines, st)
		return true
	}
	cfg := testConfig(f.srv.URL)
	cfg.Workers = 1
	cfg.Retry = RetryConfig{InitialInterval: time.Hour, MaxInterval: time.Hour}
	o := newTestOutput(t, cfg, nil)

	ctxA, cancelA := context.WithCancel(t.Context())
	doneA := make(chan error, 1)
	go func() {
		_, err := o.Write(ctxA, seq(docs("dmarc-aggregate-2026.01", 5)))
		doneA <- err
	}()
	waitFor(t, func() bool { return o.metricsRetrying() == 5 })

	ctxB, cancelB := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancelB()
	res, err := o.Write(ctxB, seq(docs("dmarc-aggregate-2026.02", 5)))
	if err != nil || res.Indexed != 5 {
		t.Fatalf("Write B = %+v, %v; the only worker was held by A's backoff", res, err)
	}
	cancelA()
	if err := <-doneA; err == nil {
		t.Fatal("Write A ended without error while its documents were refused")
	}
}

// Documents sent again after a backoff rejoin the partial batch of their
// index and go out in a full request with other documents, not alone.
func TestRetriedDocumentsMergeIntoFullRequests(t *testing.T) {
	f := newFake(t)
	held := make(chan struct{})
	release := make(chan struct{})
	f.bulk = func(n int, lines []bulkLine, w http.ResponseWriter) bool {
		switch n {
		case 0: // Write A: the first six are throttled
			st := make([]int, len(lines))
			for i, l := range lines {
				st[i] = 201
				if strings.HasPrefix(l.ID, "a") && i < 6 {
					st[i] = 429
				}
			}
			f.mu.Lock()
			for i, l := range lines {
				if st[i] == 201 {
					f.docs[l.Index+"/"+l.ID] = l.Body
				}
			}
			f.mu.Unlock()
			writeBulk(w, lines, st)
			return true
		case 1: // Write B holds the only worker
			close(held)
			<-release
		}
		return false
	}
	cfg := testConfig(f.srv.URL)
	cfg.Workers, cfg.BatchDocs = 1, 10
	// A's six wait 0.5 to 1.5 s: B reaches the worker well before.
	cfg.Retry = RetryConfig{InitialInterval: time.Second, MaxInterval: time.Second, MaxElapsed: time.Minute}
	o := newTestOutput(t, cfg, nil)
	named := func(p string, n int) []output.Doc {
		ds := docs("dmarc-aggregate-2026.03", n)
		for i := range ds {
			ds[i].ID = fmt.Sprintf("%s%d", p, i)
		}
		return ds
	}
	type result struct {
		res output.Result
		err error
	}
	run := func(ds []output.Doc) chan result {
		c := make(chan result, 1)
		go func() { r, err := o.Write(t.Context(), seq(ds)); c <- result{r, err} }()
		return c
	}
	a := run(named("a", 10))
	waitFor(t, func() bool { return o.metricsRetrying() == 6 })
	b := run(named("b", 10))
	<-held
	c := run(named("c", 4))
	// The six parked documents come due at most 1.5 s after their 429;
	// the worker is held past that, so they wait in the batch with c's four.
	time.Sleep(2500 * time.Millisecond)
	close(release)
	for _, ch := range []chan result{a, b, c} {
		if r := <-ch; r.err != nil || len(r.res.Failed) != 0 {
			t.Fatalf("Write = %+v, %v", r.res, r.err)
		}
	}
	reqs := f.bulkRequests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3", len(reqs))
	}
	var ids []string
	for _, l := range reqs[2] {
		ids = append(ids, l.ID)
	}
	slices.Sort(ids)
	want := []string{"a0", "a1", "a2", "a3", "a4", "a5", "c0", "c1", "c2", "c3"}
	if !slices.Equal(ids, want) {
		t.Errorf("third request %v, want the six retried merged with c's four: %v", ids, want)
	}
	if f.docCount() != 24 {
		t.Errorf("%d documents stored, want 24", f.docCount())
	}
}

// The wait doubles only over attempts that wrote nothing, and is capped.
func TestBackoffWait(t *testing.T) {
	c := RetryConfig{InitialInterval: 500 * time.Millisecond, MaxInterval: 30 * time.Second}
	for _, tc := range []struct {
		stalls int
		want   time.Duration
	}{{0, 500 * time.Millisecond}, {1, 500 * time.Millisecond}, {2, time.Second}, {4, 4 * time.Second}, {7, 30 * time.Second}, {40, 30 * time.Second}} {
		if got := backoffWait(c, tc.stalls, 1); got != tc.want {
			t.Errorf("backoffWait(%d stalls) = %s, want %s", tc.stalls, got, tc.want)
		}
	}
	if got := backoffWait(c, 2, 0.5); got != 500*time.Millisecond {
		t.Errorf("jitter 0.5: %s", got)
	}
}
