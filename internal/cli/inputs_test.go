package cli

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dmarc-agent/dmarc-agent/collector"
	"github.com/dmarc-agent/dmarc-agent/internal/config"
	"github.com/dmarc-agent/dmarc-agent/output/file"
)

const googleSample = samples + "/google.com!example.com!1700006400!1700092799.xml.gz"

// Symbolic links named on the command line are followed; links inside
// folders, named pipes (as arguments, inside folders, or behind a link) are
// never read and each is reported, with exit 3. A file name with control
// characters reaches the terminal quoted.
func TestIngestLinksAndSpecialFiles(t *testing.T) {
	base := t.TempDir()
	report, err := os.ReadFile(googleSample)
	if err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(base, "outside.xml.gz")
	os.WriteFile(outside, report, 0o600)
	dir := filepath.Join(base, "in")
	os.MkdirAll(dir, 0o750)
	os.WriteFile(filepath.Join(dir, "good.xml.gz"), report, 0o600)
	os.WriteFile(filepath.Join(dir, "evil\x1b[2J.xml"), []byte("junk"), 0o600)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Symlink(outside, filepath.Join(dir, "link-in-dir.xml.gz")))
	must(syscall.Mkfifo(filepath.Join(dir, "pipe-in-dir"), 0o600))
	fifoArg := filepath.Join(base, "pipe-arg")
	must(syscall.Mkfifo(fifoArg, 0o600))
	linkArg := filepath.Join(base, "report-link.xml.gz")
	must(os.Symlink(outside, linkArg))
	linkToFifo := filepath.Join(base, "pipe-link")
	must(os.Symlink(fifoArg, linkToFifo))

	code, stdout, stderr := runCLI(t, offline, "ingest", "--out", filepath.Join(base, "out"), dir, linkArg, fifoArg, linkToFifo)
	if code != ExitRejected {
		t.Fatalf("exit %d, want %d\n%s\n%s", code, ExitRejected, stdout, stderr)
	}
	// good.xml.gz and the linked argument hold the same report: read
	// twice, counted once, the second as a skipped copy.
	if !strings.Contains(stdout, "files: 3   reports: 1 (aggregate 1)") || !strings.Contains(stdout, "skipped: 1 copies") {
		t.Errorf("summary does not count 3 files, 1 report and 1 copy (good.xml.gz, the linked argument):\n%s", stdout)
	}
	var rejected []string
	for line := range strings.Lines(stdout) {
		if r, ok := strings.CutPrefix(line, "rejected: "); ok {
			rejected = append(rejected, strings.TrimSpace(strings.ReplaceAll(r, base, "BASE")))
		}
	}
	want := []string{
		`"BASE/in/evil\x1b[2J.xml": unknown content: not a report, an archive or a mail message`,
		"BASE/in/link-in-dir.xml.gz: symbolic link inside a folder, not followed (name it as an argument to read it)",
		"BASE/in/pipe-in-dir: not a regular file: a named pipe (FIFO)",
		"BASE/pipe-arg: not a regular file: a named pipe (FIFO)",
		"BASE/pipe-link: symbolic link to a file that is not a regular file: a named pipe (FIFO)",
	}
	slices.Sort(rejected)
	if !slices.Equal(rejected, want) {
		t.Errorf("rejected:\n%s\nwant:\n%s", strings.Join(rejected, "\n"), strings.Join(want, "\n"))
	}
	if strings.Contains(stdout+stderr, "\x1b") {
		t.Error("a control character from a file name reached the terminal")
	}
}

// A file that cannot be opened under ingest: exit 1, the error in the
// summary, and no promise of a retry that a one-shot run never makes.
func TestIngestUnreadableFileIsNotRetried(t *testing.T) {
	cfg := config.Default()
	cfg.Enrich.DNS.Offline = true
	cfg.Output.File.Dir = t.TempDir()
	var logs strings.Builder
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	st, err := newStack(context.Background(), cfg, logger, nil, file.Truncate, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close(context.Background())
	st.pipeline = st.pipeline.OneShot()
	msg := collector.Message{Source: "file", ID: "gone.xml", Name: "gone.xml", Received: time.Now(),
		Open: func(context.Context) (io.ReadCloser, error) {
			return nil, &os.PathError{Op: "open", Path: "gone.xml", Err: syscall.EACCES}
		}}
	sum := newSummary(false)
	for _, res := range runStack(t, st, messages{msg}) {
		sum.Files++
		sum.add(res)
	}
	if code := sum.exitCode(context.Background()); code != ExitFatal {
		t.Errorf("exit %d, want %d", code, ExitFatal)
	}
	var out strings.Builder
	sum.print(&out, "text")
	if !strings.Contains(out.String(), "error: opening gone.xml: open gone.xml: permission denied") {
		t.Errorf("summary does not name the error:\n%s", out.String())
	}
	if strings.Contains(logs.String(), "will retry") || !strings.Contains(logs.String(), "not retried in this run") {
		t.Errorf("log promises a retry or does not say there is none:\n%s", logs.String())
	}
}
