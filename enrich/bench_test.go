package enrich

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/dmarc-agent/dmarc-agent/mapping"
)

// BenchmarkAggregateWarm measures enrichment per record once the DNS cache
// is warm: a 1,000-record report from 250 distinct addresses (Google and
// Microsoft ranges, half of them with PTR names), reported as ns/record.
func BenchmarkAggregateWarm(b *testing.B) {
	r := &resolver{ptr: map[string]string{}}
	var ips []string
	for i := range 250 {
		ip := fmt.Sprintf("209.85.%d.%d", 128+i/100, i%100+1)
		if i%2 == 1 {
			ip = fmt.Sprintf("40.107.%d.%d", i/100, i%100+1)
		}
		if i%4 < 2 {
			r.ptr[ip] = fmt.Sprintf("mail-%d.example-host.com.", i)
		}
		ips = append(ips, ip)
	}
	cfg := DefaultConfig()
	cfg.DNS.BatchBudget = time.Minute
	svc := newTestService(b, cfg, r)
	s := func(v ...string) []string { return v }
	docs := make([]*mapping.AggregateDoc, 1000)
	fresh := func() {
		for i := range docs {
			docs[i] = record(ips[i%len(ips)], "example.com", "pass", "fail",
				s("example.com", "sendgrid.net"), s("pass", "pass"), s("example.com"), s("softfail"))
		}
	}
	fresh()
	svc.Aggregate(context.Background(), docs) // warm the DNS cache
	if docs[0].Source.Domain == "" {
		b.Fatal("cache not warmed")
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		svc.Aggregate(context.Background(), docs)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(docs)), "ns/record")
}
