package pipeline

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/dmarc-agent/dmarc-agent/archive"
	"github.com/dmarc-agent/dmarc-agent/collector"
	"github.com/dmarc-agent/dmarc-agent/collector/dir"
	"github.com/dmarc-agent/dmarc-agent/internal/health"
	"github.com/dmarc-agent/dmarc-agent/mapping"
)

// fullDisk is the real archive on a disk that can fill up: while full,
// writes (fillWrites) or commits (fillCommits) fail with ENOSPC, as they do
// on a full file system.
type fullDisk struct {
	a           *archive.Archive
	fillWrites  atomic.Bool
	fillCommits atomic.Bool
}

func (d *fullDisk) Start() (ArchiveWriter, error) {
	w, err := d.a.Start()
	if err != nil {
		return nil, err
	}
	return &fullDiskWriter{d: d, w: w}, nil
}

type fullDiskWriter struct {
	d *fullDisk
	w *archive.Writer
}

func (w *fullDiskWriter) Write(p []byte) (int, error) {
	if w.d.fillWrites.Load() {
		return 0, &os.PathError{Op: "write", Path: "archive", Err: syscall.ENOSPC}
	}
	return w.w.Write(p)
}

func (w *fullDiskWriter) Commit(k mapping.Kind, d time.Time) error {
	if w.d.fillCommits.Load() {
		w.w.Abort()
		return &os.PathError{Op: "sync", Path: "archive", Err: syscall.ENOSPC}
	}
	return w.w.Commit(k, d)
}

func (w *fullDiskWriter) Abort() error { return w.w.Abort() }

// listFiles lists the files under root, relative and sorted.
func listFiles(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(root, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	sort.Strings(out)
	return out
}

// A full archive disk is an internal fault: with the real watched-folder
// source, 12 valid reports (36 documents) stay pending, none goes to
// failed/, readiness and metrics show the fault; once space returns every
// report is delivered and archived exactly once.
func TestFullArchiveDiskKeepsReportsPending(t *testing.T) {
	const reports, records = 12, 3
	for _, stage := range []string{"write", "commit"} {
		t.Run(stage, func(t *testing.T) {
			base := t.TempDir()
			incoming := filepath.Join(base, "incoming")
			os.MkdirAll(incoming, 0o750)
			for i := range reports {
				name := fmt.Sprintf("r%02d.xml", i)
				if err := os.WriteFile(filepath.Join(incoming, name), []byte(aggXML(name, records)), 0o640); err != nil {
					t.Fatal(err)
				}
			}
			arch, err := archive.New(archive.Config{Enabled: true, Dir: filepath.Join(base, "archive")}, nil)
			if err != nil {
				t.Fatal(err)
			}
			disk := &fullDisk{a: arch}
			reg := prometheus.NewRegistry()
			out := &memOutput{}
			p := New(DefaultConfig(), Deps{Output: out, Archiver: disk, Prefix: "dmarc",
				Metrics: NewMetrics(reg), ArchiveFault: health.NewFault("archive", reg)})
			runOnce := dirRunner(t, p, incoming, base)
			messages := func(outcome string) float64 {
				return testutil.ToFloat64(p.d.Metrics.Messages.WithLabelValues(dir.Name, outcome))
			}

			if stage == "write" {
				disk.fillWrites.Store(true)
			} else {
				disk.fillCommits.Store(true)
			}
			runOnce()
			if got := messages("retry"); got != reports {
				t.Errorf("messages retried while the disk is full = %v, want %d", got, reports)
			}
			if got := messages("rejected") + messages("delivered"); got != 0 {
				t.Errorf("messages rejected or delivered while the disk is full = %v, want 0", got)
			}
			if got := listFiles(t, filepath.Join(incoming, "failed")); len(got) != 0 {
				t.Errorf("failed/ holds %v while the disk is full", got)
			}
			if got := listFiles(t, arch.Dir()); len(got) != 0 {
				t.Errorf("archive holds %v while the disk is full", got)
			}
			ferr := p.Fault()
			if ferr == nil || !strings.Contains(ferr.Error(), "no space left on device") || !strings.HasPrefix(ferr.Error(), "archive failing since ") {
				t.Errorf("Fault() = %v, want the archive's ENOSPC", ferr)
			}
			if got := testutil.ToFloat64(p.d.ArchiveFault.Gauge()); got != 1 {
				t.Errorf("dmarc_agent_internal_fault = %v, want 1", got)
			}
			if got := testutil.ToFloat64(p.d.ArchiveFault.Total()); got != reports {
				t.Errorf("dmarc_agent_internal_faults_total = %v, want %d", got, reports)
			}
			wantWritten := 0 // a failed copy stops the message before the output
			if stage == "commit" {
				wantWritten = reports * records // written, then not acknowledged
			}
			if len(out.docs) != wantWritten {
				t.Errorf("documents written while the disk is full = %d, want %d", len(out.docs), wantWritten)
			}

			disk.fillWrites.Store(false)
			disk.fillCommits.Store(false)
			runOnce()
			if got := messages("delivered"); got != reports {
				t.Errorf("messages delivered after space returned = %v, want %d", got, reports)
			}
			if len(out.docs) != reports*records {
				t.Errorf("documents in the output = %d, want %d", len(out.docs), reports*records)
			}
			if got := len(listFiles(t, arch.Dir())); got != reports {
				t.Errorf("archived payloads = %d, want %d", got, reports)
			}
			if got := listFiles(t, filepath.Join(incoming, "failed")); len(got) != 0 {
				t.Errorf("failed/ holds %v", got)
			}
			if err := p.Fault(); err != nil {
				t.Errorf("Fault() after recovery = %v", err)
			}
			if got := testutil.ToFloat64(p.d.ArchiveFault.Gauge()); got != 0 {
				t.Errorf("dmarc_agent_internal_fault after recovery = %v, want 0", got)
			}
			// A third run delivers nothing: the state recorded every report once.
			runOnce()
			if got := messages("delivered") + messages("retry"); got != 2*reports {
				t.Errorf("messages after a third run = %v, want %d (nothing redelivered)", got, 2*reports)
			}
		})
	}
}

// failingReader gives n bytes of s, then an I/O error.
type failingReader struct {
	s string
	n int
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n == 0 {
		return 0, &os.PathError{Op: "read", Path: "r.xml.gz", Err: syscall.EIO}
	}
	k := copy(p, f.s[:min(f.n, len(f.s))])
	f.s, f.n = f.s[k:], f.n-k
	return k, nil
}

// A read error of the source (EIO part-way through a gzip report) is not a
// verdict on the report: the message is retried, nothing is rejected.
func TestSourceReadErrorIsTransient(t *testing.T) {
	data := string(gz(t, aggXML("r", 200)))
	for _, cut := range []int{0, 10, len(data) / 2, len(data) - 1} {
		msg := message("r.xml.gz", nil)
		msg.Open = func(context.Context) (io.ReadCloser, error) {
			return io.NopCloser(&failingReader{s: data, n: cut}), nil
		}
		out := &memOutput{}
		reg := prometheus.NewRegistry()
		p := New(DefaultConfig(), Deps{Output: out, Prefix: "dmarc", Metrics: NewMetrics(reg)})
		res := p.Deliver(context.Background(), p.Prepare(context.Background(), msg))
		if res.Outcome.Err == nil || res.Outcome.Rejected() || !strings.Contains(res.Outcome.Err.Error(), "input/output error") {
			t.Errorf("cut at %d: outcome %v, want a transient read error", cut, res.Outcome.Err)
		}
		if len(res.Rejected) != 0 || len(out.docs) != 0 {
			t.Errorf("cut at %d: rejected %v, %d documents written", cut, res.Rejected, len(out.docs))
		}
		if got := testutil.ToFloat64(p.d.Metrics.Messages.WithLabelValues("test", "retry")); got != 1 {
			t.Errorf("cut at %d: retry count %v, want 1", cut, got)
		}
	}
}

// archive.failure: skip leaves failure reports out of the archive (they
// are still delivered); aggregate reports are archived as before.
func TestArchiveSkipFailure(t *testing.T) {
	ruf, err := os.ReadFile("../testdata/samples/ruf-example.com-auth-failure.eml")
	if err != nil {
		t.Fatal(err)
	}
	for _, skip := range []bool{false, true} {
		arch := &memArchive{}
		out := &memOutput{}
		p := New(DefaultConfig(), Deps{Output: out, Archiver: arch, Prefix: "dmarc",
			ArchiveSkip: map[mapping.Kind]bool{mapping.KindFailure: skip}})
		for _, m := range []collector.Message{message("ruf.eml", ruf), message("r.xml", []byte(aggXML("r", 2)))} {
			if o := p.Process(context.Background(), m); o.Err != nil {
				t.Fatalf("skip=%v %s: %v", skip, m.ID, o.Err)
			}
		}
		var kinds []string
		for _, c := range arch.committed {
			kinds = append(kinds, strings.Fields(c)[0])
		}
		want := "failure,aggregate"
		if skip {
			want = "aggregate"
		}
		if got := strings.Join(kinds, ","); got != want || len(out.docs) != 3 {
			t.Errorf("skip=%v: archived %q, want %q; %d documents, want 3", skip, got, want, len(out.docs))
		}
	}
}
