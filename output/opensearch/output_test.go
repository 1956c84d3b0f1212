package opensearch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/dmarc-agent/dmarc-agent/mapping"
	"github.com/dmarc-agent/dmarc-agent/output"

	"github.com/dmarc-agent/dmarc-agent/internal/testwait"
)

func TestWriteTwiceCountsDuplicates(t *testing.T) {
	f := newFake(t)
	reg := prometheus.NewRegistry()
	o := newTestOutput(t, testConfig(f.srv.URL), reg)
	ds := docs("dmarc-aggregate-2026.11", 25)

	res, err := o.Write(t.Context(), seq(ds))
	if err != nil || res.Indexed != 25 || res.Duplicates != 0 || len(res.Failed) != 0 {
		t.Fatalf("first Write = %+v, %v; want 25 indexed", res, err)
	}
	res, err = o.Write(t.Context(), seq(ds))
	if err != nil || res.Indexed != 0 || res.Duplicates != 25 || len(res.Failed) != 0 {
		t.Fatalf("second Write = %+v, %v; want 25 duplicates", res, err)
	}
	if got := f.docCount(); got != 25 {
		t.Errorf("fake holds %d docs, want 25", got)
	}
	for _, b := range f.bulkRequests() {
		for _, l := range b {
			if l.Action != "create" {
				t.Fatalf("action %q, want create", l.Action)
			}
		}
	}
	if got := testutil.ToFloat64(o.metrics.docs.WithLabelValues("duplicate")); got != 25 {
		t.Errorf("duplicate counter = %v, want 25", got)
	}
	if got := testutil.ToFloat64(o.metrics.docs.WithLabelValues("indexed")); got != 25 {
		t.Errorf("indexed counter = %v, want 25", got)
	}
}

func TestTemplatesInstalledBeforeFirstBulk(t *testing.T) {
	f := newFake(t)
	o := newTestOutput(t, testConfig(f.srv.URL), nil)
	for range 2 {
		if _, err := o.Write(t.Context(), seq(docs("dmarc-aggregate-2026.11", 3))); err != nil {
			t.Fatal(err)
		}
	}
	var want []string
	for _, k := range mapping.Kinds() {
		name := mapping.TemplateName("dmarc", k)
		want = append(want, "GET /_index_template/"+name, "PUT /_index_template/"+name)
	}
	want = append(want, "GET /_index_template/dmarc-dead-letter", "PUT /_index_template/dmarc-dead-letter", "POST /_bulk", "POST /_bulk")
	if got := f.requestLog(); !slices.Equal(got, want) {
		t.Errorf("requests = %q, want %q", got, want)
	}
}

func TestReindexUsesIndexAction(t *testing.T) {
	f := newFake(t)
	cfg := testConfig(f.srv.URL)
	cfg.Reindex = true
	o := newTestOutput(t, cfg, nil)
	ds := docs("dmarc-aggregate-2026.11", 4)
	for range 2 {
		res, err := o.Write(t.Context(), seq(ds))
		if err != nil || res.Indexed != 4 || res.Duplicates != 0 {
			t.Fatalf("Write = %+v, %v; want 4 indexed", res, err)
		}
	}
	if a := f.bulkRequests()[0][0].Action; a != "index" {
		t.Errorf("action = %q, want index", a)
	}
}

func TestPartial429RetriesOnlyRefusedItems(t *testing.T) {
	f := newFake(t)
	f.bulk = func(n int, lines []bulkLine, w http.ResponseWriter) bool {
		if n > 0 {
			return false
		}
		st := make([]int, len(lines))
		for i := range st {
			st[i] = []int{201, 429, 503}[i%3]
		}
		writeBulk(w, lines, st)
		return true
	}
	reg := prometheus.NewRegistry()
	o := newTestOutput(t, testConfig(f.srv.URL), reg)
	res, err := o.Write(t.Context(), seq(docs("dmarc-aggregate-2026.11", 9)))
	if err != nil || res.Indexed != 9 || res.Duplicates != 0 || len(res.Failed) != 0 {
		t.Fatalf("Write = %+v, %v; want 9 indexed", res, err)
	}
	bulks := f.bulkRequests()
	if len(bulks) != 2 {
		t.Fatalf("%d bulk requests, want 2", len(bulks))
	}
	var ids []string
	for _, l := range bulks[1] {
		ids = append(ids, l.ID)
	}
	if want := []string{"id-1", "id-2", "id-4", "id-5", "id-7", "id-8"}; !slices.Equal(ids, want) {
		t.Errorf("retried ids %v, want %v", ids, want)
	}
	if got := testutil.ToFloat64(o.metrics.retries); got != 1 {
		t.Errorf("retries = %v, want 1", got)
	}
}

func TestWholeRequestFaultsRetried(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault func(w http.ResponseWriter)
		label string
		count float64 // requests with that label
	}{
		{"500", func(w http.ResponseWriter) { w.WriteHeader(500); w.Write([]byte(`{"error":"boom"}`)) }, "500", 2},
		{"503", func(w http.ResponseWriter) { w.WriteHeader(503) }, "503", 2},
		{"429", func(w http.ResponseWriter) { w.WriteHeader(429); w.Write([]byte(`{"error":"too many requests"}`)) }, "429", 2},
		{"connection reset", func(w http.ResponseWriter) {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
		}, "error", 2},
		{"truncated body", func(w http.ResponseWriter) { w.Write([]byte(`{"took":1,"errors":false,"items":[`)) }, "200", 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			f.bulk = func(n int, _ []bulkLine, w http.ResponseWriter) bool {
				if n < 2 {
					tc.fault(w)
					return true
				}
				return false
			}
			reg := prometheus.NewRegistry()
			o := newTestOutput(t, testConfig(f.srv.URL), reg)
			res, err := o.Write(t.Context(), seq(docs("dmarc-aggregate-2026.11", 5)))
			if err != nil || res.Indexed != 5 {
				t.Fatalf("Write = %+v, %v; want 5 indexed", res, err)
			}
			if got := len(f.bulkRequests()); got != 3 {
				t.Errorf("%d bulk requests, want 3", got)
			}
			if got := testutil.ToFloat64(o.metrics.requests.WithLabelValues(tc.label)); got != tc.count {
				t.Errorf("requests{status=%s} = %v, want %v", tc.label, got, tc.count)
			}
		})
	}
}

// A document the cluster refuses for good is kept in the dead-letter index,
// whole, with the reason and its origin, before the Write reports it.
func TestMappingErrorReportedOthersIndexed(t *testing.T) {
	f := newFake(t)
	f.bulk = func(_ int, lines []bulkLine, w http.ResponseWriter) bool {
		st := make([]int, len(lines))
		for i, l := range lines {
			st[i] = 201
			if l.Index != "dmarc-dead-letter" && strings.Contains(l.Body, "not-an-ip") {
				st[i] = 400
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
	}
	reg := prometheus.NewRegistry()
	o := newTestOutput(t, testConfig(f.srv.URL), reg)
	ds := docs("dmarc-aggregate-2026.11", 4)
	ds[2].Body = []byte(`{"source":{"ip":"not-an-ip"}}`)
	ctx := output.WithOrigin(t.Context(), output.Origin{Source: "dir", ID: "incoming/r.xml"})
	res, err := o.Write(ctx, seq(ds))
	if err != nil {
		t.Fatalf("Write error %v; a refused document is not a Write error", err)
	}
	if res.Indexed != 3 || len(res.Failed) != 1 || res.DeadLetter != "dmarc-dead-letter" {
		t.Fatalf("Write = %+v; want 3 indexed, 1 failed kept in dmarc-dead-letter", res)
	}
	reason := "HTTP 400: mapper_parsing_exception: failed to parse field [source.ip] of type [ip] in document with id 'id-2' (caused by illegal_argument_exception: 'not-an-ip' is not an IP string literal.)"
	want := output.Failure{Index: "dmarc-aggregate-2026.11", ID: "id-2", Reason: reason}
	if res.Failed[0] != want {
		t.Errorf("failure = %+v\nwant      %+v", res.Failed[0], want)
	}
	reqs := f.bulkRequests()
	if len(reqs) != 2 || len(reqs[1]) != 1 || reqs[1][0].Index != "dmarc-dead-letter" || reqs[1][0].Action != "index" {
		t.Fatalf("bulk requests %+v; want the batch, then one dead-letter entry (a mapping error is not retried)", reqs)
	}
	var entry deadLetterEntry
	if err := json.Unmarshal([]byte(reqs[1][0].Body), &entry); err != nil {
		t.Fatal(err)
	}
	if entry.Index != want.Index || entry.ID != "id-2" || entry.Reason != reason || entry.Status != 400 ||
		entry.ErrorType != "mapper_parsing_exception" || entry.Source != "dir" || entry.MessageID != "incoming/r.xml" ||
		entry.Document != `{"source":{"ip":"not-an-ip"}}` || entry.Timestamp == "" {
		t.Errorf("dead-letter entry %+v", entry)
	}
	if got := testutil.ToFloat64(o.metrics.docs.WithLabelValues("failed")); got != 1 {
		t.Errorf("failed counter = %v, want 1", got)
	}
	if got := testutil.ToFloat64(o.metrics.docs.WithLabelValues("indexed")); got != 3 {
		t.Errorf("indexed counter = %v, want 3 (dead-letter entries are not counted as indexed)", got)
	}
}

// A refused document that cannot be kept in the dead-letter index is not
// acknowledged: the Write fails, so its message is delivered again later.
func TestDeadLetterRefusedIsNotAcknowledged(t *testing.T) {
	f := newFake(t)
	f.bulk = func(_ int, lines []bulkLine, w http.ResponseWriter) bool {
		st := make([]int, len(lines))
		for i, l := range lines {
			st[i] = 201
			if strings.Contains(l.Body, "not-an-ip") {
				st[i] = 400
			}
		}
		writeBulk(w, lines, st)
		return true
	}
	o := newTestOutput(t, testConfig(f.srv.URL), nil)
	ds := docs("dmarc-aggregate-2026.11", 3)
	ds[1].Body = []byte(`{"source":{"ip":"not-an-ip"}}`)
	res, err := o.Write(t.Context(), seq(ds))
	if err == nil || !strings.Contains(err.Error(), "1 documents not written") || !strings.Contains(err.Error(), "dead-letter index") {
		t.Fatalf("err = %v; want 1 document not written, naming the dead-letter index", err)
	}
	if res.Indexed != 2 || len(res.Failed) != 0 {
		t.Errorf("Result = %+v; want 2 indexed and no refusal counted as kept", res)
	}
}

// Refusals are classified by what they mean: a write block (403), a
// flood-stage block (429) and unavailable shards are transient; only
// document-level errors are permanent.
func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		action  string
		status  int
		errType string
		want    outcome
		label   string
	}{
		{"create", 201, "", outIndexed, ""},
		{"index", 200, "", outIndexed, ""},
		{"create", 409, "version_conflict_engine_exception", outDuplicate, ""},
		{"index", 409, "version_conflict_engine_exception", outRefused, ""},
		{"create", 403, "cluster_block_exception", outRetry, "blocked"},
		{"create", 429, "cluster_block_exception", outRetry, "blocked"},
		{"", 403, "cluster_block_exception", outRetry, "blocked"},
		{"create", 429, "es_rejected_execution_exception", outRetry, "throttled"},
		{"create", 429, "", outRetry, "throttled"},
		{"create", 503, "unavailable_shards_exception", outRetry, "unavailable"},
		{"create", 500, "", outRetry, "unavailable"},
		{"create", 504, "process_cluster_event_timeout_exception", outRetry, "timeout"},
		{"create", 404, "index_not_found_exception", outRetry, "unavailable"},
		{"create", 400, "mapper_parsing_exception", outRefused, ""},
		{"create", 400, "strict_dynamic_mapping_exception", outRefused, ""},
		{"create", 400, "illegal_argument_exception", outRefused, ""},
		{"create", 403, "security_exception", outGiveUp, "forbidden"},
		{"", 401, "", outGiveUp, "forbidden"},
		{"", 413, "", outGiveUp, "too_large"},
		{"", 400, "action_request_validation_exception", outGiveUp, "refused"},
	} {
		got, label := classify(tc.action, tc.status, tc.errType)
		if got != tc.want || label != tc.label {
			t.Errorf("classify(%q, %d, %q) = %v %q, want %v %q", tc.action, tc.status, tc.errType, got, label, tc.want, tc.label)
		}
	}
}

// A write block on the index (403 cluster_block_exception for each item,
// as index.blocks.write answers) is retried until it lifts: nothing is
// refused, readiness says why meanwhile, metrics count the retries.
func TestWriteBlockIsRetriedUntilLifted(t *testing.T) {
	f := newFake(t)
	blocked := make(chan struct{})
	var once sync.Once
	lift := make(chan struct{})
	f.bulk = func(_ int, lines []bulkLine, w http.ResponseWriter) bool {
		select {
		case <-lift:
			return false
		default:
		}
		st := make([]int, len(lines))
		for i := range st {
			st[i] = 403
		}
		writeBlocked(w, lines, st)
		once.Do(func() { close(blocked) })
		return true
	}
	reg := prometheus.NewRegistry()
	cfg := testConfig(f.srv.URL)
	cfg.Retry.MaxElapsed = 0
	o := newTestOutput(t, cfg, reg)
	type result struct {
		res output.Result
		err error
	}
	done := make(chan result, 1)
	go func() {
		res, err := o.Write(t.Context(), seq(docs("dmarc-aggregate-2026.11", 50)))
		done <- result{res, err}
	}()
	<-blocked
	waitFor(t, func() bool { return o.Ready(t.Context()) != nil })
	if err := o.Ready(t.Context()); !strings.Contains(err.Error(), "blocked") || !strings.Contains(err.Error(), "cluster_block_exception") {
		t.Errorf("Ready while blocked = %v; want the block named", err)
	}
	close(lift)
	r := <-done
	if r.err != nil || r.res.Indexed != 50 || len(r.res.Failed) != 0 {
		t.Fatalf("Write = %+v, %v; want 50 indexed once the block lifted", r.res, r.err)
	}
	if err := o.Ready(t.Context()); err != nil {
		t.Errorf("Ready after the block = %v", err)
	}
	if got := testutil.ToFloat64(o.metrics.retried.WithLabelValues("blocked")); got < 50 {
		t.Errorf("retried{blocked} = %v, want at least 50", got)
	}
	if got := testutil.ToFloat64(o.metrics.docs.WithLabelValues("failed")); got != 0 {
		t.Errorf("failed = %v; a blocked document is not refused", got)
	}
	if f.docCount() != 50 {
		t.Errorf("%d documents stored, want 50", f.docCount())
	}
}

// writeBlocked answers every item with a write-block refusal.
func writeBlocked(w http.ResponseWriter, lines []bulkLine, st []int) {
	items := make([]map[string]any, len(lines))
	for i, l := range lines {
		items[i] = map[string]any{l.Action: map[string]any{"status": st[i], "error": map[string]string{
			"type": "cluster_block_exception", "reason": "index [" + l.Index + "] blocked by: [FORBIDDEN/8/index write (api)];"}}}
	}
	json.NewEncoder(w).Encode(map[string]any{"errors": true, "items": items})
}

// waitFor polls cond (state owned by goroutines that give no signal).
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	testwait.Until(t, "the condition", 10*time.Second, cond)
}

func TestGiveUpAfterMaxElapsed(t *testing.T) {
	f := newFake(t)
	f.bulk = func(_ int, _ []bulkLine, w http.ResponseWriter) bool { w.WriteHeader(503); return true }
	cfg := testConfig(f.srv.URL)
	cfg.Retry = RetryConfig{InitialInterval: 10 * time.Millisecond, MaxInterval: 40 * time.Millisecond, MaxElapsed: 300 * time.Millisecond}
	reg := prometheus.NewRegistry()
	o := newTestOutput(t, cfg, reg)
	start := time.Now()
	res, err := o.Write(t.Context(), seq(docs("dmarc-aggregate-2026.11", 3)))
	if err == nil || !strings.Contains(err.Error(), "giving up on 3 documents") || !strings.Contains(err.Error(), "HTTP 503") {
		t.Fatalf("err = %v; want a give-up error naming the 503", err)
	}
	if res.Indexed != 0 || res.Duplicates != 0 || len(res.Failed) != 0 {
		t.Errorf("Result = %+v; given-up documents are neither indexed nor refused", res)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("gave up after %s; MaxElapsed is 300ms", d)
	}
	if n := len(f.bulkRequests()); n < 3 {
		t.Errorf("only %d attempts before giving up", n)
	}
	if got := testutil.ToFloat64(o.metrics.docs.WithLabelValues("abandoned")); got != 3 {
		t.Errorf("abandoned = %v, want 3", got)
	}
}

func TestWholeRequestRefusedIsNotRetried(t *testing.T) {
	f := newFake(t)
	f.bulk = func(_ int, _ []bulkLine, w http.ResponseWriter) bool {
		w.WriteHeader(403)
		w.Write([]byte(`{"error":{"type":"security_exception","reason":"no permissions for [indices:data/write/bulk]"}}`))
		return true
	}
	o := newTestOutput(t, testConfig(f.srv.URL), nil)
	res, err := o.Write(t.Context(), seq(docs("dmarc-aggregate-2026.11", 2)))
	if err == nil || !strings.Contains(err.Error(), "security_exception") {
		t.Fatalf("err = %v; want the 403 reason", err)
	}
	if res.Indexed != 0 || len(res.Failed) != 0 {
		t.Errorf("Result = %+v", res)
	}
	if n := len(f.bulkRequests()); n != 1 {
		t.Errorf("%d bulk requests, want 1", n)
	}
}

func TestContextEndsRetries(t *testing.T) {
	f := newFake(t)
	f.bulk = func(_ int, _ []bulkLine, w http.ResponseWriter) bool { w.WriteHeader(503); return true }
	cfg := testConfig(f.srv.URL)
	cfg.Retry.MaxElapsed = 0 // until ctx ends
	o := newTestOutput(t, cfg, nil)
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	_, err := o.Write(ctx, seq(docs("dmarc-aggregate-2026.11", 2)))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want deadline exceeded", err)
	}
}

func TestDocsIteratorError(t *testing.T) {
	f := newFake(t)
	o := newTestOutput(t, testConfig(f.srv.URL), nil)
	boom := errors.New("report truncated")
	ds := docs("dmarc-aggregate-2026.11", 2)
	res, err := o.Write(t.Context(), func(yield func(output.Doc, error) bool) {
		for _, d := range ds {
			if !yield(d, nil) {
				return
			}
		}
		yield(output.Doc{}, boom)
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want %v", err, boom)
	}
	if res.Indexed != 2 {
		t.Errorf("Indexed = %d; the documents before the error are written", res.Indexed)
	}
}

func TestIDsAreNotHTMLEscaped(t *testing.T) {
	f := newFake(t)
	var raw []byte
	var mu sync.Mutex
	f.bulk = func(_ int, lines []bulkLine, w http.ResponseWriter) bool {
		mu.Lock()
		raw = append(raw, lines[0].ID...)
		mu.Unlock()
		return false
	}
	o := newTestOutput(t, testConfig(f.srv.URL), nil)
	id := `a<b>&c"d\e` + "\x01é"
	res, err := o.Write(t.Context(), seq([]output.Doc{{Index: "dmarc-aggregate-2026.11", ID: id, Body: []byte("{\n  \"x\": 1\n}")}}))
	if err != nil || res.Indexed != 1 {
		t.Fatalf("Write = %+v, %v", res, err)
	}
	if string(raw) != id {
		t.Errorf("id arrived as %q, want %q", raw, id)
	}
	if body := f.bulkRequests()[0][0].Body; body != `{"x":1}` {
		t.Errorf("multi-line body sent as %q, want it compacted", body)
	}
}

func TestInvalidDocumentsRefusedLocally(t *testing.T) {
	f := newFake(t)
	o := newTestOutput(t, testConfig(f.srv.URL), nil)
	res, err := o.Write(t.Context(), seq([]output.Doc{
		{Index: "dmarc-aggregate-2026.11", ID: "", Body: []byte(`{}`)},
		{Index: "dmarc-aggregate-2026.11", ID: "x", Body: []byte("{\n")},
		{Index: "dmarc-aggregate-2026.11", ID: "ok", Body: []byte(`{}`)},
	}))
	if err != nil || res.Indexed != 1 || len(res.Failed) != 2 {
		t.Fatalf("Write = %+v, %v; want 1 indexed, 2 failed", res, err)
	}
	if !strings.Contains(res.Failed[0].Reason, "without index or id") || !strings.Contains(res.Failed[1].Reason, "not valid JSON") {
		t.Errorf("reasons: %q, %q", res.Failed[0].Reason, res.Failed[1].Reason)
	}
}

func TestBatchBounds(t *testing.T) {
	for _, tc := range []struct {
		name  string
		docs  int
		bdocs int
		bytes int
		want  []int
	}{
		{"by docs", 35, 10, 1 << 20, []int{10, 10, 10, 5}},
		// each doc is ~40+23+4+8 bytes: three fit in 250
		{"by bytes", 7, 1000, 250, []int{3, 3, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			cfg := testConfig(f.srv.URL)
			cfg.BatchDocs, cfg.BatchBytes, cfg.Workers = tc.bdocs, tc.bytes, 1
			o := newTestOutput(t, cfg, nil)
			res, err := o.Write(t.Context(), seq(docs("dmarc-aggregate-2026.11", tc.docs)))
			if err != nil || res.Indexed != tc.docs {
				t.Fatalf("Write = %+v, %v", res, err)
			}
			var sizes []int
			for _, b := range f.bulkRequests() {
				sizes = append(sizes, len(b))
			}
			if !slices.Equal(sizes, tc.want) {
				t.Errorf("batch sizes %v, want %v", sizes, tc.want)
			}
		})
	}
}

func TestConcurrentWritesShareBoundedWorkers(t *testing.T) {
	f := newFake(t)
	f.delay = 20 * time.Millisecond
	cfg := testConfig(f.srv.URL)
	cfg.Workers, cfg.BatchDocs = 2, 5
	o := newTestOutput(t, cfg, nil)
	var wg sync.WaitGroup
	results := make([]output.Result, 6)
	errs := make([]error, 6)
	for i := range 6 {
		wg.Go(func() {
			results[i], errs[i] = o.Write(t.Context(), seq(docs("dmarc-aggregate-2026."+string(rune('a'+i)), 12)))
		})
	}
	wg.Wait()
	for i := range 6 {
		if errs[i] != nil || results[i].Indexed != 12 {
			t.Errorf("Write %d = %+v, %v", i, results[i], errs[i])
		}
	}
	if f.docCount() != 72 {
		t.Errorf("%d docs stored, want 72", f.docCount())
	}
	if f.maxFlight > 2 {
		t.Errorf("%d bulk requests in flight, Workers is 2", f.maxFlight)
	}
}

func TestWriteAfterClose(t *testing.T) {
	f := newFake(t)
	o, err := New(t.Context(), testConfig(f.srv.URL), "", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := o.Close(t.Context()); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := o.Write(t.Context(), seq(docs("x", 1))); !errors.Is(err, ErrClosed) {
		t.Fatalf("Write after Close: %v, want ErrClosed", err)
	}
}

func TestReady(t *testing.T) {
	f := newFake(t)
	o := newTestOutput(t, testConfig(f.srv.URL), nil)
	if err := o.Ready(t.Context()); err != nil {
		t.Fatalf("Ready: %v", err)
	}
	f.srv.Close()
	if err := o.Ready(t.Context()); err == nil {
		t.Fatal("Ready with the cluster gone: no error")
	}
}

// With every worker busy, the documents of many concurrent Writes go out
// together in full requests; with a worker free, a Write's last documents go
// at once, not after FlushInterval.
func TestBusyWorkersPackConcurrentWrites(t *testing.T) {
	f := newFake(t)
	f.delay = 100 * time.Millisecond
	cfg := testConfig(f.srv.URL)
	cfg.Workers, cfg.BatchDocs, cfg.FlushInterval = 1, 100, time.Hour
	o := newTestOutput(t, cfg, nil)

	// Idle: one small Write is sent at once (FlushInterval is an hour).
	if res, err := o.Write(t.Context(), seq(docs("dmarc-aggregate-2026.11", 3))); err != nil || res.Indexed != 3 {
		t.Fatalf("Write = %+v, %v", res, err)
	}
	if n := len(f.bulkRequests()); n != 1 {
		t.Fatalf("%d bulk requests for one idle Write, want 1", n)
	}

	// Busy: 40 Writes of 5 documents while the only worker waits on the cluster.
	var wg sync.WaitGroup
	errs := make([]error, 40)
	for i := range 40 {
		wg.Go(func() {
			var res output.Result
			ds := docs("dmarc-aggregate-2026.11", 5)
			for j := range ds {
				ds[j].ID = fmt.Sprintf("w%02d-%d", i, j)
			}
			res, errs[i] = o.Write(t.Context(), seq(ds))
			if errs[i] == nil && res.Indexed != 5 {
				errs[i] = fmt.Errorf("indexed %d, want 5", res.Indexed)
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Write %d: %v", i, err)
		}
	}
	if got := f.docCount(); got != 203 {
		t.Errorf("%d documents stored, want 203", got)
	}
	reqs := f.bulkRequests()[1:]
	var sizes []int
	for _, r := range reqs {
		sizes = append(sizes, len(r))
	}
	// A request per Write would be 40; packing needs about 3 (the first
	// goes while the rest gather, then full requests of 100).
	if len(reqs) > 5 {
		t.Errorf("%d bulk requests for 40 concurrent Writes of 5 documents (sizes %v), want at most 5", len(reqs), sizes)
	}
	if slices.Max(sizes) != 100 {
		t.Errorf("largest request %d documents, want a full one of 100 (sizes %v)", slices.Max(sizes), sizes)
	}
}

// A request holds the documents of one index: the cluster syncs its
// translog once per shard and request.
func TestRequestsHoldOneIndex(t *testing.T) {
	f := newFake(t)
	cfg := testConfig(f.srv.URL)
	cfg.Workers, cfg.BatchDocs = 1, 10
	o := newTestOutput(t, cfg, nil)
	var ds []output.Doc
	for i := range 30 { // three months, interleaved
		ds = append(ds, output.Doc{Index: fmt.Sprintf("dmarc-aggregate-2026.%02d", 1+i%3), ID: fmt.Sprint("id-", i), Body: []byte(`{}`)})
	}
	if res, err := o.Write(t.Context(), seq(ds)); err != nil || res.Indexed != 30 {
		t.Fatalf("Write = %+v, %v", res, err)
	}
	reqs := f.bulkRequests()
	for _, r := range reqs {
		for _, l := range r {
			if l.Index != r[0].Index {
				t.Fatalf("a request mixes %s and %s", r[0].Index, l.Index)
			}
		}
		if len(r) != 10 {
			t.Errorf("request of %d documents for %s, want 10", len(r), r[0].Index)
		}
	}
	if len(reqs) != 3 {
		t.Errorf("%d requests, want 3", len(reqs))
	}
}

// Bulk answers are asked for filtered to what is read, and not compressed:
// the cluster's CPU is the ceiling of an ingest.
func TestBulkAsksForLeanAnswers(t *testing.T) {
	f := newFake(t)
	o := newTestOutput(t, testConfig(f.srv.URL), nil)
	if _, err := o.Write(t.Context(), seq(docs("dmarc-aggregate-2026.11", 3))); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	want := "filter_path=errors,items.*.status,items.*.error accept-encoding="
	if len(f.bulkHeaders) != 1 || f.bulkHeaders[0] != want {
		t.Errorf("bulk requests %q, want one with %q", f.bulkHeaders, want)
	}
}
