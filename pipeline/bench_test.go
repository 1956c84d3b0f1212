package pipeline_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dmarc-agent/dmarc-agent/collector"
	"github.com/dmarc-agent/dmarc-agent/enrich"
	"github.com/dmarc-agent/dmarc-agent/output"
	"github.com/dmarc-agent/dmarc-agent/pipeline"
	"github.com/dmarc-agent/dmarc-agent/tools/corpus/gen"
)

var (
	corpusOnce  sync.Once
	corpusFiles []gen.File
)

// benchCorpus is the first 600 files of the default synthetic corpus (about
// 27,000 records, every reporter and form).
func benchCorpus(b *testing.B) []gen.File {
	corpusOnce.Do(func() {
		o := gen.DefaultOptions()
		for i := range 600 {
			f, err := gen.NewFile(o, i)
			if err != nil {
				panic(err)
			}
			corpusFiles = append(corpusFiles, f)
		}
	})
	return corpusFiles
}

func benchPipeline(b *testing.B) *pipeline.Pipeline {
	cfg := enrich.DefaultConfig()
	cfg.DNS.Offline = true
	enr, err := enrich.New(context.Background(), cfg, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { enr.Close() })
	return pipeline.New(pipeline.DefaultConfig(), pipeline.Deps{Output: output.Discard{}, Enricher: enr, TempDir: b.TempDir()})
}

func fileMessage(f *gen.File) collector.Message {
	return collector.Message{Source: "bench", ID: f.Name, Name: f.Name, Received: time.Unix(0, 0),
		Open: func(context.Context) (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(f.Data)), nil }}
}

// BenchmarkProcessCorpus runs decode, parse, build, enrich (GeoIP, senders,
// verdict; DNS offline), encode and spool on the synthetic corpus, one
// message at a time, with an output that discards. MB/s counts the bytes of
// the files as stored (compressed).
func BenchmarkProcessCorpus(b *testing.B) {
	files := benchCorpus(b)
	p := benchPipeline(b)
	var size, records int64
	for i := range files {
		size += int64(len(files[i].Data))
		records += int64(files[i].Records)
	}
	b.SetBytes(size)
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		for i := range files {
			res := p.Deliver(context.Background(), p.Prepare(context.Background(), fileMessage(&files[i])))
			if res.Outcome.Err != nil || res.Documents != files[i].Records {
				b.Fatalf("%s: %d documents, want %d, err %v", files[i].Name, res.Documents, files[i].Records, res.Outcome.Err)
			}
		}
	}
	reportRates(b, records, cpu)
}

// cpuTime is the CPU time the process used so far (user + system).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportRates reports records per second of wall time and per second of
// CPU time: on a shared machine the second is the steadier measure of the
// work done.
func reportRates(b *testing.B, records int64, cpuStart time.Duration) {
	n := float64(records) * float64(b.N)
	b.ReportMetric(n/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(n/(cpuTime()-cpuStart).Seconds(), "records/cpu-s")
}

// BenchmarkProcessLargeReport is one Google report of 50,000 records.
func BenchmarkProcessLargeReport(b *testing.B) {
	var buf bytes.Buffer
	if _, _, err := gen.Huge(&buf, gen.DefaultOptions(), 50000); err != nil {
		b.Fatal(err)
	}
	f := gen.File{Name: "large.xml.gz", Data: buf.Bytes(), Records: 50000}
	p := benchPipeline(b)
	b.SetBytes(int64(len(f.Data)))
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		res := p.Deliver(context.Background(), p.Prepare(context.Background(), fileMessage(&f)))
		if res.Outcome.Err != nil || res.Documents != f.Records {
			b.Fatalf("%d documents, err %v", res.Documents, res.Outcome.Err)
		}
	}
	reportRates(b, int64(f.Records), cpu)
}
