package pipeline

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/dmarc-agent/dmarc-agent/collector"
	"github.com/dmarc-agent/dmarc-agent/mapping"
	"github.com/dmarc-agent/dmarc-agent/output"
	"github.com/dmarc-agent/dmarc-agent/report/decode"
)

// aggXML returns an RFC 7489 report with n records; record i comes from
// 192.0.2.(i%250+1) with count i+1, passing DMARC when i is even.
func aggXML(reportID string, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>
<feedback><version>1.0</version>
<report_metadata><org_name>example.net</org_name><email>noreply@example.net</email><report_id>%s</report_id>
<date_range><begin>1700006400</begin><end>1700092799</end></date_range></report_metadata>
<policy_published><domain>example.com</domain><adkim>r</adkim><aspf>r</aspf><p>none</p><sp>none</sp><pct>100</pct></policy_published>
`, reportID)
	for i := range n {
		res := "fail"
		if i%2 == 0 {
			res = "pass"
		}
		fmt.Fprintf(&b, `<record><row><source_ip>192.0.2.%d</source_ip><count>%d</count><policy_evaluated><disposition>none</disposition><dkim>%s</dkim><spf>%s</spf></policy_evaluated></row>
<identifiers><header_from>example.com</header_from></identifiers>
<auth_results><dkim><domain>example.com</domain><selector>s1</selector><result>%s</result></dkim><spf><domain>example.com</domain><result>%s</result></spf></auth_results></record>
`, i%250+1, i+1, res, res, res, res)
	}
	b.WriteString("</feedback>\n")
	return b.String()
}

func gz(t testing.TB, s string) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	io.WriteString(w, s)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func zipOf(t testing.TB, files map[string]string, order ...string) []byte {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, name := range order {
		f, err := w.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(f, files[name])
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func message(name string, data []byte) collector.Message {
	return collector.Message{Source: "test", ID: name, Name: name, Received: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
		Open: func(context.Context) (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }}
}

// memOutput records what it is given; fail makes Write fail after reading.
type memOutput struct {
	mu   sync.Mutex
	docs []output.Doc
	seen map[string]bool
	fail error
}

func (m *memOutput) Write(ctx context.Context, docs iter.Seq2[output.Doc, error]) (output.Result, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var res output.Result
	var batch []output.Doc
	for d, err := range docs {
		if err != nil {
			return res, err
		}
		batch = append(batch, output.Doc{Index: d.Index, ID: d.ID, Body: bytes.Clone(d.Body)})
	}
	if m.fail != nil {
		return res, m.fail
	}
	if m.seen == nil {
		m.seen = map[string]bool{}
	}
	for _, d := range batch {
		if m.seen[d.ID] {
			res.Duplicates++
			continue
		}
		m.seen[d.ID] = true
		m.docs = append(m.docs, d)
		res.Indexed++
	}
	return res, nil
}
func (m *memOutput) Ready(context.Context) error { return nil }
func (m *memOutput) Close(context.Context) error { return nil }

// memArchive records committed payloads.
type memArchive struct {
	mu        sync.Mutex
	committed []string
	aborted   int
}
type memArchiveWriter struct {
	a   *memArchive
	buf bytes.Buffer
}

func (a *memArchive) Start() (ArchiveWriter, error)     { return &memArchiveWriter{a: a}, nil }
func (w *memArchiveWriter) Write(p []byte) (int, error) { return w.buf.Write(p) }
func (w *memArchiveWriter) Commit(kind mapping.Kind, date time.Time) error {
	w.a.mu.Lock()
	defer w.a.mu.Unlock()
	w.a.committed = append(w.a.committed, fmt.Sprintf("%s %s %d", kind, date.UTC().Format("2006-01"), w.buf.Len()))
	return nil
}
func (w *memArchiveWriter) Abort() error {
	w.a.mu.Lock()
	defer w.a.mu.Unlock()
	w.a.aborted++
	return nil
}

func newTestPipeline(out output.Output, arch Archiver, spoolMem int) *Pipeline {
	cfg := DefaultConfig()
	cfg.SpoolMemoryBytes = spoolMem
	var a Archiver
	if arch != nil {
		a = arch
	}
	return New(cfg, Deps{Output: out, Archiver: a, Prefix: "dmarc"})
}

// countTally counts what the pipeline gives a report's tally.
type countTally struct {
	docs     int
	messages int64
	domains  string
}

func (c *countTally) Add(doc *mapping.AggregateDoc) {
	c.docs++
	c.messages += doc.Message.Count
	if !strings.Contains(c.domains, doc.Policy.Domain) {
		c.domains += doc.Policy.Domain
	}
}

// Without Deps.Tally (run), no tally is made.
func TestNoTallyUnlessAsked(t *testing.T) {
	p := newTestPipeline(&memOutput{}, nil, 1<<10)
	res := p.Deliver(context.Background(), p.Prepare(context.Background(), message("r.xml", []byte(aggXML("r", 3)))))
	if res.Outcome.Err != nil || len(res.Copies) != 1 || res.Copies[0].Tally != nil {
		t.Fatalf("copies %+v, want one without a tally", res.Copies)
	}
}

func TestDeliversEveryRecordAndArchivesAfterDelivery(t *testing.T) {
	out := &memOutput{}
	arch := &memArchive{}
	xml := aggXML("r-1", 1200) // more than one enrichment batch
	p := newTestPipeline(out, arch, 1<<10)
	p.d.Tally = func() Tally { return &countTally{} }
	got := p.Deliver(context.Background(), p.Prepare(context.Background(), message("r.xml.gz", gz(t, xml))))
	if got.Outcome.Err != nil {
		t.Fatalf("outcome: %v", got.Outcome.Err)
	}
	if len(out.docs) != 1200 || got.Documents != 1200 || got.Output.Indexed != 1200 {
		t.Fatalf("docs %d, Documents %d, indexed %d; want 1200", len(out.docs), got.Documents, got.Output.Indexed)
	}
	// message sum: 1+2+...+1200
	if want := int64(1200 * 1201 / 2); got.Messages != want {
		t.Fatalf("Messages = %d, want %d", got.Messages, want)
	}
	if len(got.Copies) != 1 {
		t.Fatalf("%d report copies, want 1", len(got.Copies))
	}
	if d, _ := got.Copies[0].Tally.(*countTally); d == nil || d.docs != 1200 || d.messages != got.Messages || d.domains != "example.com" {
		t.Fatalf("the report's tally %+v, want every document of example.com", got.Copies[0].Tally)
	}
	for _, doc := range out.docs {
		if doc.Index != "dmarc-aggregate-2023.11" {
			t.Fatalf("index %q", doc.Index)
		}
	}
	if len(arch.committed) != 1 || arch.committed[0] != fmt.Sprintf("aggregate 2023-11 %d", len(xml)) {
		t.Fatalf("archive: %v", arch.committed)
	}
	if got.Outcome.Reports["aggregate"] != 1 {
		t.Fatalf("outcome reports %v", got.Outcome.Reports)
	}
}

func TestBadNeighbourLosesNothing(t *testing.T) {
	good := aggXML("good", 3)
	noID := strings.Replace(aggXML("x", 2), "<report_id>x</report_id>", "", 1)
	full := aggXML("trunc", 3*enrichBatch) // several batches reach the spool before the break
	truncated := full[:len(full)*2/3]      // records were parsed before the break
	data := zipOf(t, map[string]string{"a.xml": good, "b.xml": noID, "c.xml": truncated}, "a.xml", "b.xml", "c.xml")
	for _, spoolMem := range []int{1 << 20, 64} { // in memory, and spilled to a file
		out := &memOutput{}
		arch := &memArchive{}
		p := newTestPipeline(out, arch, spoolMem)
		got := p.Deliver(context.Background(), p.Prepare(context.Background(), message("mixed.zip", data)))
		if got.Outcome.Err != nil {
			t.Fatalf("outcome: %v", got.Outcome.Err)
		}
		if len(out.docs) != 3 {
			t.Fatalf("spool %d: %d docs delivered, want exactly the 3 of the good report", spoolMem, len(out.docs))
		}
		if len(got.Rejected) != 2 || !strings.HasSuffix(got.Rejected[0].Path, "b.xml") || !strings.HasSuffix(got.Rejected[1].Path, "c.xml") {
			t.Fatalf("rejections: %+v", got.Rejected)
		}
		for _, r := range got.Rejected {
			if strings.Contains(r.Reason, "\n") || r.Reason == "" {
				t.Fatalf("reason not one line: %q", r.Reason)
			}
		}
		if len(arch.committed) != 1 || arch.aborted != 2 {
			t.Fatalf("archive committed %v aborted %d", arch.committed, arch.aborted)
		}
		if got.Outcome.Reason == "" {
			t.Fatal("outcome carries no reason for the rejected parts")
		}
	}
}

func TestNoReportIsPermanent(t *testing.T) {
	out := &memOutput{}
	p := newTestPipeline(out, nil, 1<<20)
	got := p.Process(context.Background(), message("junk.txt", []byte("hello, this is not a report\n")))
	if !got.Rejected() || !errors.Is(got.Err, collector.ErrNoReport) {
		t.Fatalf("outcome %+v, want ErrNoReport", got)
	}
	if len(out.docs) != 0 {
		t.Fatal("documents written for junk")
	}
}

func TestOutputFailureIsTransientAndAbortsArchive(t *testing.T) {
	out := &memOutput{fail: errors.New("cluster down")}
	arch := &memArchive{}
	p := newTestPipeline(out, arch, 1<<20)
	got := p.Process(context.Background(), message("r.xml", []byte(aggXML("r", 2))))
	if got.Err == nil || got.Rejected() {
		t.Fatalf("outcome %+v, want a transient error", got)
	}
	if len(arch.committed) != 0 || arch.aborted != 1 {
		t.Fatalf("archive committed %v aborted %d", arch.committed, arch.aborted)
	}
	// Redelivery once the output is back writes everything once.
	out.fail = nil
	if o := p.Process(context.Background(), message("r.xml", []byte(aggXML("r", 2)))); o.Err != nil {
		t.Fatal(o.Err)
	}
	if o := p.Process(context.Background(), message("r.xml.gz", gz(t, aggXML("r", 2)))); o.Err != nil {
		t.Fatal(o.Err)
	}
	if len(out.docs) != 2 {
		t.Fatalf("%d docs after redelivery, want 2", len(out.docs))
	}
}

func TestOpenFailureIsTransient(t *testing.T) {
	p := newTestPipeline(&memOutput{}, nil, 1<<20)
	msg := message("gone", nil)
	msg.Open = func(context.Context) (io.ReadCloser, error) { return nil, errors.New("no such file") }
	got := p.Process(context.Background(), msg)
	if got.Err == nil || got.Rejected() || !strings.Contains(got.Err.Error(), "no such file") {
		t.Fatalf("outcome %+v", got)
	}
}

func TestRejectionClassesReachMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	cfg := DefaultConfig()
	big := aggXML("big", 400) // larger than the cap below once decompressed
	p := New(cfg, Deps{Output: &memOutput{}, Metrics: m, Prefix: "dmarc", Decode: decode.Options{MaxBytes: int64(len(big) / 2)}})
	data := zipOf(t, map[string]string{
		"good.xml":   aggXML("ok", 2),
		"big.xml":    big,                // refused by its declared size
		"big.xml.gz": string(gz(t, big)), // refused while streaming
		"bad.xml.gz": "\x1f\x8b\x08\x00broken",
		"noid.xml":   strings.Replace(aggXML("x", 1), "<report_id>x</report_id>", "", 1),
	}, "good.xml", "big.xml", "big.xml.gz", "bad.xml.gz", "noid.xml")
	res := p.Deliver(context.Background(), p.Prepare(context.Background(), message("m.zip", data)))
	if res.Outcome.Err != nil {
		t.Fatal(res.Outcome.Err)
	}
	got := map[string]string{}
	for _, r := range res.Rejected {
		got[r.Path[strings.LastIndex(r.Path, "/")+1:]] = r.Class
	}
	want := map[string]string{"big.xml": "too_large", "big.xml.gz": "too_large", "bad.xml.gz": "container", "noid.xml": "report"}
	if !maps.Equal(got, want) {
		t.Fatalf("classes %v, want %v", got, want)
	}
	for class, n := range map[string]float64{"too_large": 2, "container": 1, "report": 1, "no_report": 0} {
		if v := testutil.ToFloat64(m.Rejected.WithLabelValues(class)); v != n {
			t.Errorf("dmarc_agent_rejected_total{reason=%q} = %v, want %v", class, v, n)
		}
	}
	if v := testutil.ToFloat64(m.Documents.WithLabelValues("aggregate")); v != 2 {
		t.Errorf("documents = %v, want 2", v)
	}
	if v := testutil.ToFloat64(m.Messages.WithLabelValues("test", "delivered")); v != 1 {
		t.Errorf("delivered messages = %v, want 1", v)
	}
}
