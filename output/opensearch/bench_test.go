package opensearch

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/dmarc-agent/dmarc-agent/internal/testcluster"

	"github.com/dmarc-agent/dmarc-agent/mapping"
)

// BenchmarkBulk compares Write with a plain _bulk POST of the same NDJSON,
// same batch size and concurrency: the plain POST is the ceiling on this
// machine. It reports both rates and their ratio (1.0 = no overhead).
//
//	OPENSEARCH_URL=http://127.0.0.1:9200 go test -run - -bench Bulk -benchtime 3x ./output/opensearch/
func BenchmarkBulk(b *testing.B) {
	base := testcluster.URL(b)
	const n = 20000
	cfg := testConfig(base)
	var outTime, plainTime time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		pOut, pPlain := testcluster.Prefix(b, base)+"-o", testcluster.Prefix(b, base)+"-p"
		dsOut, _ := aggDocs(b, pOut, n)
		dsPlain, _ := aggDocs(b, pPlain, n)
		bodies := ndjson(dsPlain, cfg.BatchDocs)
		o, err := New(context.Background(), cfg, pOut, nil, nil)
		if err != nil {
			b.Fatal(err)
		}
		// identical templates for the plain prefix, installed untimed
		op, _ := New(context.Background(), cfg, pPlain, nil, nil)
		if err := op.EnsureTemplates(context.Background()); err != nil {
			b.Fatal(err)
		}
		op.Close(context.Background())
		if err := o.EnsureTemplates(context.Background()); err != nil {
			b.Fatal(err)
		}
		// create the monthly indices untimed: both sides write the same ones
		for _, d := range append(dsOut[:2:2], dsPlain[:2]...) {
			testcluster.Do(b, base, http.MethodPut, "/"+d.Index, "")
		}
		b.StartTimer()

		runPlain := func() {
			t0 := time.Now()
			plainBulk(b, base, bodies, cfg.Workers)
			plainTime += time.Since(t0)
		}
		runWrite := func() {
			t0 := time.Now()
			res, err := o.Write(context.Background(), seq(dsOut))
			outTime += time.Since(t0)
			if err != nil || res.Indexed != n {
				b.Fatalf("Write = %d indexed, %v", res.Indexed, err)
			}
		}
		if i%2 == 0 { // alternate the order: the machine's load drifts
			runPlain()
			runWrite()
		} else {
			runWrite()
			runPlain()
		}

		b.StopTimer()
		o.Close(context.Background())
		for _, p := range []string{pOut, pPlain} {
			if c := testcluster.Count(b, base, p+"-*"); c != n {
				b.Fatalf("%s: _count %d, want %d", p, c, n)
			}
			testcluster.Do(b, base, http.MethodDelete, "/"+mapping.IndexPattern(p, mapping.KindAggregate), "")
		}
		b.StartTimer()
	}
	docs := float64(n * b.N)
	outRate, plainRate := docs/outTime.Seconds(), docs/plainTime.Seconds()
	b.ReportMetric(outRate, "write_docs/s")
	b.ReportMetric(plainRate, "plain_docs/s")
	b.ReportMetric(outRate/plainRate, "ratio")
}

// plainBulk POSTs bodies with workers requests in flight and checks that
// every item was created.
func plainBulk(b *testing.B, base string, bodies [][]byte, workers int) {
	ch := make(chan []byte)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for body := range ch {
				res, err := http.Post(base+"/_bulk", "application/json", bytes.NewReader(body))
				if err != nil {
					b.Error(err)
					continue
				}
				var out bytes.Buffer
				out.ReadFrom(res.Body)
				res.Body.Close()
				if res.StatusCode != 200 || bytes.Contains(out.Bytes()[:min(64, out.Len())], []byte(`"errors":true`)) {
					b.Errorf("plain bulk: HTTP %d %.200s", res.StatusCode, out.Bytes())
				}
			}
		})
	}
	for _, body := range bodies {
		ch <- body
	}
	close(ch)
	wg.Wait()
}

// BenchmarkWriteClientOnly measures the client side alone against a server
// that answers every bulk request at once: what Write itself costs per
// document, with no cluster in the way. Runs without OPENSEARCH_URL.
func BenchmarkWriteClientOnly(b *testing.B) {
	item := []byte(`{"create":{"_index":"x","_id":"y","status":201,"result":"created"}}`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/_bulk" {
			w.Write([]byte(`{"index_templates":[{"index_template":{"_meta":{"version":99}}}]}`))
			return
		}
		body, _ := io.ReadAll(r.Body)
		n := bytes.Count(body, []byte{'\n'}) / 2
		var out bytes.Buffer
		out.WriteString(`{"took":1,"errors":false,"items":[`)
		for i := range n {
			if i > 0 {
				out.WriteByte(',')
			}
			out.Write(item)
		}
		out.WriteString(`]}`)
		w.Write(out.Bytes())
	}))
	defer srv.Close()
	o, err := New(context.Background(), testConfig(srv.URL), "bench", nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer o.Close(context.Background())
	const n = 20000
	ds, _ := aggDocs(b, "bench", n)
	b.ResetTimer()
	t0 := time.Now()
	for range b.N {
		res, err := o.Write(context.Background(), seq(ds))
		if err != nil || res.Indexed != n {
			b.Fatalf("Write = %d indexed, %v", res.Indexed, err)
		}
	}
	b.ReportMetric(float64(n*b.N)/time.Since(t0).Seconds(), "docs/s")
}
