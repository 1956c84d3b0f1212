package pipeline

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/dmarc-agent/dmarc-agent/archive"
	"github.com/dmarc-agent/dmarc-agent/collector/dir"
	"github.com/dmarc-agent/dmarc-agent/internal/health"
)

// The same as TestFullArchiveDiskKeepsReportsPending on a real full file
// system: the archive on a 16 KiB tmpfs. It needs the right to mount
// (root); elsewhere the injected test above covers the behaviour.
func TestArchiveOnFullTmpfs(t *testing.T) {
	const reports, records = 40, 20
	base := t.TempDir()
	mnt := filepath.Join(base, "archive")
	os.MkdirAll(mnt, 0o750)
	if err := syscall.Mount("tmpfs", mnt, "tmpfs", 0, "size=16k"); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v); TestFullArchiveDiskKeepsReportsPending covers this with an injected writer", err)
	}
	t.Cleanup(func() { syscall.Unmount(mnt, syscall.MNT_DETACH) })
	incoming := filepath.Join(base, "incoming")
	os.MkdirAll(incoming, 0o750)
	for i := range reports {
		name := fmt.Sprintf("r%02d.xml", i)
		if err := os.WriteFile(filepath.Join(incoming, name), []byte(aggXML(name, records)), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	arch, err := archive.New(archive.Config{Enabled: true, Dir: mnt}, nil)
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	out := &memOutput{}
	fault := health.NewFault("archive", reg)
	p := New(DefaultConfig(), Deps{Output: out, Archiver: archiverOf{arch}, Prefix: "dmarc", Metrics: NewMetrics(reg), ArchiveFault: fault})
	runOnce := dirRunner(t, p, incoming, base)
	messages := func(outcome string) int {
		return int(testutil.ToFloat64(p.d.Metrics.Messages.WithLabelValues(dir.Name, outcome)))
	}

	runOnce()
	first, retried := messages("delivered"), messages("retry")
	t.Logf("16 KiB tmpfs: %d of %d reports delivered and archived, %d pending", first, reports, retried)
	if retried == 0 || first+retried != reports || messages("rejected") != 0 {
		t.Fatalf("full tmpfs: delivered %d, retried %d, rejected %d; want some retried, none rejected, %d in all",
			first, retried, messages("rejected"), reports)
	}
	if got := listFiles(t, filepath.Join(incoming, "failed")); len(got) != 0 {
		t.Errorf("failed/ holds %v", got)
	}
	if ferr := fault.Err(); ferr == nil || !errors.Is(ferr, syscall.ENOSPC) {
		t.Errorf("fault = %v, want ENOSPC", ferr)
	}

	if err := syscall.Mount("tmpfs", mnt, "tmpfs", syscall.MS_REMOUNT, "size=4m"); err != nil {
		t.Fatal(err)
	}
	runOnce()
	if got := messages("delivered"); got != reports {
		t.Errorf("delivered after space returned = %d, want %d", got, reports)
	}
	if got := len(listFiles(t, mnt)); got != reports {
		t.Errorf("archived payloads = %d, want %d", got, reports)
	}
	if len(out.docs) != reports*records {
		t.Errorf("distinct documents = %d, want %d", len(out.docs), reports*records)
	}
	if got := listFiles(t, filepath.Join(incoming, "failed")); len(got) != 0 {
		t.Errorf("failed/ holds %v", got)
	}
	if fault.Err() != nil {
		t.Errorf("fault after recovery: %v", fault.Err())
	}
}

// archiverOf adapts *archive.Archive to Archiver.
type archiverOf struct{ a *archive.Archive }

func (x archiverOf) Start() (ArchiveWriter, error) {
	w, err := x.a.Start()
	if err != nil {
		return nil, err
	}
	return w, nil
}
