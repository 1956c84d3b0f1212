package opensearch

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// bulkLine is one action of a bulk request as the fake saw it.
type bulkLine struct {
	Action, Index, ID string
	Body              string
}

// fakeCluster is an HTTP fake of the few OpenSearch endpoints the output
// uses. Its bulk handler is scripted per test; by default it stores
// documents and answers create with 201 or 409 like a real node.
type fakeCluster struct {
	t   *testing.T
	srv *httptest.Server

	mu        sync.Mutex
	docs      map[string]string // index/id → body
	templates map[string][]byte
	requests  []string     // "METHOD path" in order
	bulks     [][]bulkLine // every bulk request received
	inFlight  int
	maxFlight int
	plugins   string // _cat/plugins answer
	policies  map[string][]byte
	policySeq int
	// bulkHeaders is the query and Accept-Encoding of each bulk request.
	bulkHeaders []string

	// bulk, when set, answers the n-th bulk request (0-based) instead of
	// the default store. Return status 0 to fall through to the store.
	bulk func(n int, lines []bulkLine, w http.ResponseWriter) (handled bool)
	// delay holds each bulk request this long (for concurrency tests).
	delay time.Duration
}

func newFake(t *testing.T) *fakeCluster {
	f := &fakeCluster{t: t, docs: map[string]string{}, templates: map[string][]byte{}, policies: map[string][]byte{}, plugins: "[]"}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeCluster) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.requests = append(f.requests, r.Method+" "+r.URL.Path)
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.URL.Path == "/":
		io.WriteString(w, `{"version":{"number":"3.6.0","distribution":"opensearch"}}`)
	case r.URL.Path == "/_bulk":
		f.mu.Lock()
		f.bulkHeaders = append(f.bulkHeaders, r.URL.RawQuery+" accept-encoding="+r.Header.Get("Accept-Encoding"))
		f.mu.Unlock()
		f.serveBulk(w, body)
	case strings.HasPrefix(r.URL.Path, "/_index_template/"):
		name := strings.TrimPrefix(r.URL.Path, "/_index_template/")
		f.mu.Lock()
		defer f.mu.Unlock()
		switch r.Method {
		case http.MethodPut:
			f.templates[name] = body
			io.WriteString(w, `{"acknowledged":true}`)
		case http.MethodGet:
			b, ok := f.templates[name]
			if !ok {
				w.WriteHeader(404)
				fmt.Fprintf(w, `{"error":{"type":"resource_not_found_exception","reason":"index template matching [%s] not found"},"status":404}`, name)
				return
			}
			fmt.Fprintf(w, `{"index_templates":[{"name":%q,"index_template":%s}]}`, name, b)
		}
	case r.URL.Path == "/_cat/plugins":
		f.mu.Lock()
		defer f.mu.Unlock()
		io.WriteString(w, f.plugins)
	case strings.HasPrefix(r.URL.Path, "/_plugins/_ism/policies/"):
		f.servePolicy(w, r, body)
	case strings.HasPrefix(r.URL.Path, "/_plugins/_ism/add/"):
		io.WriteString(w, `{"updated_indices":2,"failures":false,"failed_indices":[]}`)
	default:
		w.WriteHeader(400)
		fmt.Fprintf(w, `{"error":"no handler found for uri [%s] and method [%s]"}`, r.URL.Path, r.Method)
	}
}

func (f *fakeCluster) servePolicy(w http.ResponseWriter, r *http.Request, body []byte) {
	id := strings.TrimPrefix(r.URL.Path, "/_plugins/_ism/policies/")
	f.mu.Lock()
	defer f.mu.Unlock()
	cur, exists := f.policies[id]
	switch r.Method {
	case http.MethodGet:
		if !exists {
			w.WriteHeader(404)
			io.WriteString(w, `{"error":{"type":"status_exception","reason":"Policy not found"},"status":404}`)
			return
		}
		fmt.Fprintf(w, `{"_id":%q,"_seq_no":%d,"_primary_term":1,"policy":%s}`, id, f.policySeq, cur)
	case http.MethodPut:
		want := fmt.Sprintf("%d", f.policySeq)
		if exists && (r.URL.Query().Get("if_seq_no") != want || r.URL.Query().Get("if_primary_term") != "1") {
			w.WriteHeader(409)
			io.WriteString(w, `{"error":{"type":"version_conflict_engine_exception"},"status":409}`)
			return
		}
		f.policies[id] = body
		f.policySeq++
		w.WriteHeader(201)
		fmt.Fprintf(w, `{"_id":%q,"_seq_no":%d,"_primary_term":1}`, id, f.policySeq)
	}
}

func parseNDJSON(t *testing.T, body []byte) []bulkLine {
	var lines []bulkLine
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		var action map[string]struct {
			Index string `json:"_index"`
			ID    string `json:"_id"`
		}
		if err := json.Unmarshal(sc.Bytes(), &action); err != nil || len(action) != 1 {
			t.Errorf("bad action line %q: %v", sc.Text(), err)
			return nil
		}
		if !sc.Scan() {
			t.Errorf("action without document")
			return nil
		}
		for a, m := range action {
			lines = append(lines, bulkLine{Action: a, Index: m.Index, ID: m.ID, Body: sc.Text()})
		}
	}
	return lines
}

func (f *fakeCluster) serveBulk(w http.ResponseWriter, body []byte) {
	lines := parseNDJSON(f.t, body)
	f.mu.Lock()
	n := len(f.bulks)
	f.bulks = append(f.bulks, lines)
	f.inFlight++
	f.maxFlight = max(f.maxFlight, f.inFlight)
	f.mu.Unlock()
	defer func() { f.mu.Lock(); f.inFlight--; f.mu.Unlock() }()
	time.Sleep(f.delay) // the fake's configured latency: part of the test's input
	if f.bulk != nil && f.bulk(n, lines, w) {
		return
	}
	statuses := make([]int, len(lines))
	f.mu.Lock()
	for i, l := range lines {
		key := l.Index + "/" + l.ID
		if _, ok := f.docs[key]; ok && l.Action == "create" {
			statuses[i] = 409
			continue
		}
		f.docs[key] = l.Body
		statuses[i] = 201
	}
	f.mu.Unlock()
	writeBulk(w, lines, statuses)
}

// writeBulk answers a bulk request with the given item statuses.
func writeBulk(w http.ResponseWriter, lines []bulkLine, statuses []int) {
	type item struct {
		Index  string          `json:"_index"`
		ID     string          `json:"_id"`
		Status int             `json:"status"`
		Result string          `json:"result,omitempty"`
		Error  json.RawMessage `json:"error,omitempty"`
	}
	errs := false
	items := make([]map[string]item, len(lines))
	for i, l := range lines {
		it := item{Index: l.Index, ID: l.ID, Status: statuses[i]}
		switch s := statuses[i]; {
		case s == 201:
			it.Result = "created"
		case s == 200:
			it.Result = "updated"
		case s == 409:
			it.Error = json.RawMessage(`{"type":"version_conflict_engine_exception","reason":"[` + l.ID + `]: version conflict, document already exists"}`)
		case s == 429:
			it.Error = json.RawMessage(`{"type":"rejected_execution_exception","reason":"rejected execution of coordinating operation"}`)
		case s == 400:
			it.Error = json.RawMessage(`{"type":"mapper_parsing_exception","reason":"failed to parse field [source.ip] of type [ip] in document with id '` + l.ID + `'","caused_by":{"type":"illegal_argument_exception","reason":"'not-an-ip' is not an IP string literal."}}`)
		default:
			it.Error = json.RawMessage(`{"type":"unavailable_shards_exception","reason":"primary shard is not active"}`)
		}
		if statuses[i] >= 300 {
			errs = true
		}
		items[i] = map[string]item{l.Action: it}
	}
	json.NewEncoder(w).Encode(map[string]any{"took": 3, "errors": errs, "items": items})
}

func (f *fakeCluster) bulkRequests() [][]bulkLine {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([][]bulkLine(nil), f.bulks...)
}

func (f *fakeCluster) requestLog() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.requests...)
}

func (f *fakeCluster) docCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.docs)
}
