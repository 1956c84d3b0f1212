package opensearch

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/dmarc-agent/dmarc-agent/internal/testcluster"
	"github.com/dmarc-agent/dmarc-agent/mapping"
)

// throttler is a proxy in front of the real node that answers 429 to a
// share of the bulk traffic: whole requests (as a coordinating node out of
// queue space does), or single items (as a full write thread pool on one
// shard does: es_rejected_execution_exception for those documents only;
// they are taken out of the request before it goes to the node, so the node
// never sees them).
type throttler struct {
	share float64
	items bool
	node  *url.URL
	rp    *httputil.ReverseProxy

	mu  sync.Mutex
	rnd *rand.Rand
	n   int // bulk requests or items answered 429
}

func newThrottler(tb testing.TB, base string, share float64, items bool) *httptest.Server {
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatal(err)
	}
	th := &throttler{share: share, items: items, node: u, rp: httputil.NewSingleHostReverseProxy(u), rnd: rand.New(rand.NewPCG(7, uint64(share*100)))}
	srv := httptest.NewServer(th)
	tb.Cleanup(srv.Close)
	return srv
}

func (th *throttler) hit() bool {
	th.mu.Lock()
	defer th.mu.Unlock()
	if th.rnd.Float64() < th.share {
		th.n++
		return true
	}
	return false
}

func (th *throttler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/_bulk" {
		th.rp.ServeHTTP(w, r)
		return
	}
	if !th.items {
		if th.hit() {
			io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTooManyRequests)
			io.WriteString(w, `{"error":{"type":"es_rejected_execution_exception","reason":"rejected execution of coordinating operation (injected)"},"status":429}`)
			return
		}
		th.rp.ServeHTTP(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	// Pairs of lines: keep some, answer 429 for the others.
	var kept bytes.Buffer
	var rejected []bool
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		action := append([]byte(nil), sc.Bytes()...)
		sc.Scan()
		rej := th.hit()
		rejected = append(rejected, rej)
		if !rej {
			kept.Write(action)
			kept.WriteByte('\n')
			kept.Write(sc.Bytes())
			kept.WriteByte('\n')
		}
	}
	var forwarded []json.RawMessage
	if kept.Len() > 0 {
		res, err := http.Post(th.node.String()+r.URL.RequestURI(), "application/json", &kept)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			w.WriteHeader(res.StatusCode)
			w.Write(b)
			return
		}
		var br struct {
			Items []json.RawMessage `json:"items"`
		}
		json.Unmarshal(b, &br)
		forwarded = br.Items
	}
	items := make([]json.RawMessage, 0, len(rejected))
	for _, rej := range rejected {
		if rej {
			items = append(items, json.RawMessage(`{"create":{"status":429,"error":{"type":"es_rejected_execution_exception","reason":"rejected execution (injected)"}}}`))
			continue
		}
		if len(forwarded) == 0 {
			http.Error(w, "node answered fewer items", http.StatusBadGateway)
			return
		}
		items, forwarded = append(items, forwarded[0]), forwarded[1:]
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"errors": true, "items": items})
}

// BenchmarkThrottled measures Write through the throttler with 0, 10, 30
// and 50 % of bulk requests (or items) answered 429: 20,000 documents as
// 400 Writes of 50 (one small report each), at most 64 at once (the
// pipeline's messages in flight), default batch size, workers and retry
// settings (500 ms initial backoff doubling to 30 s) except max_elapsed,
// which is off: at 50 % of items refused, a few documents in 20,000 are
// refused 12 times in a row and would be given up on after 5 minutes
// (their message comes back later; here that would end the benchmark).
//
//	OPENSEARCH_URL=http://127.0.0.1:9200 go test -run - -bench Throttled -benchtime 1x ./output/opensearch/
func BenchmarkThrottled(b *testing.B) {
	base := testcluster.URL(b)
	for _, mode := range []string{"requests", "items"} {
		for _, pct := range []int{0, 10, 30, 50} {
			b.Run(fmt.Sprintf("%s_%dpct", mode, pct), func(b *testing.B) {
				proxy := newThrottler(b, base, float64(pct)/100, mode == "items")
				cfg := DefaultConfig()
				cfg.URLs = []string{proxy.URL}
				cfg.Template.Replicas = 0
				cfg.Retry.MaxElapsed = 0 // measure throughput: no document is given up on
				var total time.Duration
				const writes, per = 400, 50
				for range b.N {
					b.StopTimer()
					prefix := testcluster.Prefix(b, base)
					ds, _ := aggDocs(b, prefix, writes*per)
					o, err := New(context.Background(), cfg, prefix, nil, nil)
					if err != nil {
						b.Fatal(err)
					}
					if err := o.EnsureTemplates(context.Background()); err != nil {
						b.Fatal(err)
					}
					for _, d := range ds[:2] { // both monthly indices, created untimed
						testcluster.Do(b, base, http.MethodPut, "/"+d.Index, "")
					}
					b.StartTimer()
					t0 := time.Now()
					sem := make(chan struct{}, 64)
					var wg sync.WaitGroup
					for w := range writes {
						sem <- struct{}{}
						wg.Go(func() {
							defer func() { <-sem }()
							part := ds[w*per : (w+1)*per]
							res, err := o.Write(context.Background(), seq(part))
							if err != nil || res.Indexed+res.Duplicates != per {
								b.Errorf("Write = %+v, %v", res, err)
							}
						})
					}
					wg.Wait()
					total += time.Since(t0)
					b.StopTimer()
					o.Close(context.Background())
					if c := testcluster.Count(b, base, mapping.IndexPattern(prefix, mapping.KindAggregate)); c != writes*per {
						b.Fatalf("_count %d, want %d", c, writes*per)
					}
					testcluster.Do(b, base, http.MethodDelete, "/"+mapping.IndexPattern(prefix, mapping.KindAggregate), "")
					b.StartTimer()
				}
				b.ReportMetric(float64(writes*per*b.N)/total.Seconds(), "docs/s")
			})
		}
	}
}
