package cli

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/dmarc-agent/dmarc-agent/internal/testwait"
)

// agentProc is a dmarc-agent process (this test binary in child mode).
type agentProc struct {
	cmd  *exec.Cmd
	logs *bytes.Buffer
	done chan error
}

func startAgent(t *testing.T, env []string, args ...string) *agentProc {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), childEnv+"=1"), env...)
	var logs bytes.Buffer
	w := &syncWriter{w: &logs}
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &agentProc{cmd: cmd, logs: &logs, done: make(chan error, 1)}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			w.mu.Lock()
			t.Logf("agent log:\n%s", tail(logs.String(), 4000))
			w.mu.Unlock()
		}
	})
	return p
}

// log returns what the agent has logged so far.
func (p *agentProc) log() string {
	w := p.cmd.Stderr.(*syncWriter)
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.String()
}

type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// wait returns the exit code, failing after d.
func (p *agentProc) wait(t *testing.T, d time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(d):
		t.Fatalf("agent did not exit within %s", d)
		return -1
	}
}

func waitUntil(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	testwait.Until(t, what, d, cond)
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// aggregateReport is a minimal valid RFC 7489 aggregate report with one record.
func aggregateReport(i int) string {
	begin := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i%28) * 24 * time.Hour).Unix()
	return fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<feedback>
  <report_metadata>
    <org_name>e2e.example</org_name>
    <email>noreply-dmarc@e2e.example</email>
    <report_id>e2e-%d</report_id>
    <date_range><begin>%d</begin><end>%d</end></date_range>
  </report_metadata>
  <policy_published><domain>example.com</domain><adkim>r</adkim><aspf>r</aspf><p>none</p><sp>none</sp><pct>100</pct></policy_published>
  <record>
    <row>
      <source_ip>192.0.2.%d</source_ip>
      <count>%d</count>
      <policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>pass</spf></policy_evaluated>
    </row>
    <identifiers><header_from>example.com</header_from></identifiers>
    <auth_results>
      <dkim><domain>example.com</domain><selector>s1</selector><result>pass</result></dkim>
      <spf><domain>example.com</domain><result>pass</result></spf>
    </auth_results>
  </record>
</feedback>
`, i, begin, begin+86399, i%250+1, i%7+1)
}

func gz(s string) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(s))
	zw.Close()
	return b.Bytes()
}

// dropFiles drops n report files into dir the ways real writers do. It
// returns the names of the valid and of the corrupt files, and how many
// valid files were copies of another.
func dropFiles(t *testing.T, dir string, from, to int, rnd *rand.Rand) (valid, corrupt []string, copies int) {
	t.Helper()
	for i := from; i < to; i++ {
		name := fmt.Sprintf("d%d/receiver!example.com!%d.xml", i%4, i)
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o750)
		content := []byte(aggregateReport(i))
		switch i % 10 {
		case 0: // corrupt: garbage, truncated gzip, not a report
			switch (i / 10) % 3 {
			case 0:
				content = []byte(fmt.Sprintf("garbage %d %x", i, rnd.Uint64()))
			case 1:
				content = gz(aggregateReport(i))[:40]
				p += ".gz"
			case 2:
				content = []byte(fmt.Sprintf("<html><body>not a report %d</body></html>", i))
			}
			corrupt = append(corrupt, p)
		case 3:
			content = gz(string(content))
			p += ".gz"
		}
		if i%10 != 0 {
			valid = append(valid, p)
		}
		switch i % 10 {
		case 1: // written slowly, in three pieces
			go func() {
				f, err := os.Create(p)
				if err != nil {
					t.Error(err)
					return
				}
				defer f.Close()
				third := len(content) / 3
				for _, part := range [][]byte{content[:third], content[third : 2*third], content[2*third:]} {
					f.Write(part)
					time.Sleep(150 * time.Millisecond) // the input itself: a slow writer
				}
			}()
		case 2: // written under a temporary name, renamed in
			tmp := filepath.Join(filepath.Dir(p), "."+filepath.Base(p)+".tmp")
			if err := os.WriteFile(tmp, content, 0o640); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(tmp, p); err != nil {
				t.Fatal(err)
			}
		default:
			if err := os.WriteFile(p, content, 0o640); err != nil {
				t.Fatal(err)
			}
		}
		if i%50 == 5 { // the same report again under another name: no new document
			cp := filepath.Join(filepath.Dir(p), "copy-"+filepath.Base(p))
			if err := os.WriteFile(cp, content, 0o640); err != nil {
				t.Fatal(err)
			}
			copies++
		}
		if i%25 == 0 {
			time.Sleep(5 * time.Millisecond) // the input itself: files arrive over time
		}
	}
	return valid, corrupt, copies
}

// ndjsonIDs reads every action line of the NDJSON files under dir and
// returns id → occurrences.
func ndjsonIDs(t *testing.T, dir string) map[string]int {
	t.Helper()
	ids := map[string]int{}
	files, _ := filepath.Glob(filepath.Join(dir, "*.ndjson"))
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		for n := 0; sc.Scan(); n++ {
			if n%2 == 1 {
				continue // the document line
			}
			var action map[string]struct {
				ID string `json:"_id"`
			}
			if err := json.Unmarshal(sc.Bytes(), &action); err != nil {
				t.Fatalf("%s line %d: %v", f, n+1, err)
			}
			for _, a := range action {
				ids[a.ID]++
			}
		}
		fh.Close()
	}
	return ids
}

func countFiles(t *testing.T, dir, suffix string) int {
	t.Helper()
	n := 0
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, suffix) {
			n++
		}
		return nil
	})
	return n
}

// TestAgentEndToEnd drops 1,000 report files (some written slowly, some
// renamed in, some gzip, some corrupt, a few duplicates) into the watched
// folder while the agent runs, kills it with SIGKILL half-way, restarts it,
// and checks that every valid report was delivered exactly once, every
// corrupt file sits in failed/ with a reason, the raw archive holds every
// report once and rebuilds the same documents, and SIGTERM stops the agent
// with exit 0.
func TestAgentEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test of the agent process")
	}
	base := t.TempDir()
	in, out, arch := filepath.Join(base, "incoming"), filepath.Join(base, "out"), filepath.Join(base, "archive")
	os.MkdirAll(in, 0o750)
	cfgFile := filepath.Join(base, "config.yaml")
	os.WriteFile(cfgFile, []byte(fmt.Sprintf(`
log: {level: info, format: json}
sources:
  dir:
    enabled: true
    path: %s
    stable_for: 400ms
    rescan_interval: 1s
    after_delivery: move
    state_file: %s
    truncated_grace: 1s
output:
  file: {dir: %s}
archive: {enabled: true, dir: %s}
enrich:
  dns: {offline: true}
pipeline: {workers: 2, in_flight: 8, queue_size: 4, shutdown_grace: 5s}
http: {listen: "%s"}
`, in, filepath.Join(base, "state", "dir.db"), out, arch, freePort(t))), 0o600)

	rnd := rand.New(rand.NewPCG(1, 2))
	agent := startAgent(t, nil, "run", "--config", cfgFile)
	valid, corrupt, copies := dropFiles(t, in, 0, 500, rnd)

	// Kill it mid-way, without warning, while files are in flight.
	done := func() int {
		return countFiles(t, filepath.Join(in, "processed"), "") + countFiles(t, filepath.Join(in, "failed"), ".reason")
	}
	waitUntil(t, "a hundred files handled", 2*time.Minute, func() bool { return done() >= 100 })
	agent.cmd.Process.Signal(syscall.SIGKILL)
	agent.wait(t, 10*time.Second)
	atKill := done()
	agent = startAgent(t, nil, "run", "--config", cfgFile)
	v2, c2, cp2 := dropFiles(t, in, 500, 1000, rnd)
	valid, corrupt, copies = append(valid, v2...), append(corrupt, c2...), copies+cp2

	waitUntil(t, "every file handled", 3*time.Minute, func() bool {
		return countFiles(t, in, "") == countFiles(t, filepath.Join(in, "processed"), "")+countFiles(t, filepath.Join(in, "failed"), "")
	})
	agent.cmd.Process.Signal(syscall.SIGTERM)
	if code := agent.wait(t, 30*time.Second); code != 0 {
		t.Fatalf("exit code after SIGTERM = %d", code)
	}

	if got := countFiles(t, filepath.Join(in, "processed"), ""); got != len(valid)+copies {
		t.Errorf("processed/ holds %d files, want %d", got, len(valid)+copies)
	}
	if got, want := countFiles(t, filepath.Join(in, "failed"), ".reason"), len(corrupt); got != want {
		t.Errorf("failed/ holds %d reasons, want %d", got, want)
	}
	for _, p := range corrupt {
		rel, _ := filepath.Rel(in, p)
		reason, err := os.ReadFile(filepath.Join(in, "failed", rel+".reason"))
		if err != nil || len(bytes.TrimSpace(reason)) == 0 {
			t.Errorf("no reason for %s: %v", rel, err)
		}
	}
	ids := ndjsonIDs(t, out)
	if len(ids) != len(valid) {
		t.Errorf("%d distinct documents, want %d (one per valid report)", len(ids), len(valid))
	}
	lines := 0
	for _, n := range ids {
		lines += n
	}
	// The NDJSON output forgets written ids when killed: a message in
	// flight at the kill may be written twice (OpenSearch answers 409 to
	// the second create). Never more than in flight and in the queue.
	if extra := lines - len(ids); extra > 8+4 {
		t.Errorf("%d documents written twice; more than were in flight at the kill", extra)
	}
	// The raw archive rebuilds the same documents.
	rebuilt := filepath.Join(base, "rebuilt")
	if code, _, stderr := runCLI(t, offline, "ingest", "--reindex", "--out", rebuilt, arch); code != ExitOK {
		t.Fatalf("ingest --reindex of the archive: exit %d\n%s", code, tail(stderr, 2000))
	}
	again := ndjsonIDs(t, rebuilt)
	if len(again) != len(ids) {
		t.Errorf("rebuild from the archive: %d documents, want %d", len(again), len(ids))
	}
	for id := range ids {
		if again[id] != 1 {
			t.Errorf("document %s: %d times in the rebuild, want 1", id, again[id])
			break
		}
	}
	t.Logf("%d valid (%d copies), %d corrupt; %d handled before the kill; %d documents, %d rewritten after it",
		len(valid), copies, len(corrupt), atKill, len(ids), lines-len(ids))
	if got := countFiles(t, arch, ".xml.gz"); got != len(valid) {
		t.Errorf("archive holds %d reports, want %d", got, len(valid))
	}
}

// TestAgentMetrics runs the agent over a folder of reports and reads its
// /metrics with the Prometheus text parser: the counters match what it
// delivered, rejected and recognised as already seen.
func TestAgentMetrics(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test of the agent process")
	}
	base := t.TempDir()
	in := filepath.Join(base, "incoming")
	os.MkdirAll(in, 0o750)
	addr := freePort(t)
	env := []string{
		"DMARC_AGENT_SOURCES__DIR__ENABLED=true",
		"DMARC_AGENT_SOURCES__DIR__PATH=" + in,
		"DMARC_AGENT_SOURCES__DIR__STABLE_FOR=400ms", // longer than the slow writers' pauses
		"DMARC_AGENT_SOURCES__DIR__STATE_FILE=" + filepath.Join(base, "dir.db"),
		"DMARC_AGENT_OUTPUT__FILE__DIR=" + filepath.Join(base, "out"),
		"DMARC_AGENT_ENRICH__DNS__OFFLINE=true",
		"DMARC_AGENT_HTTP__LISTEN=" + addr,
	}
	valid, corrupt, copies := dropFiles(t, in, 0, 60, rand.New(rand.NewPCG(3, 4)))
	agent := startAgent(t, env, "run")
	// Every valid file and every copy is in the state store once the
	// delivered counter and the known counter add up.
	var mfs map[string]*dto.MetricFamily
	waitUntil(t, "every file counted", time.Minute, func() bool {
		mfs = scrape(t, "http://"+addr+"/metrics")
		return value(mfs, "dmarc_agent_messages_total", "outcome", "delivered")+value(mfs, "dmarc_agent_dir_known_files_total") == float64(len(valid)+copies) &&
			value(mfs, "dmarc_agent_messages_total", "outcome", "rejected") == float64(len(corrupt))
	})
	for _, tc := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"dmarc_agent_messages_total", []string{"source", "dir", "outcome", "delivered"}, float64(len(valid))},
		{"dmarc_agent_messages_total", []string{"source", "dir", "outcome", "rejected"}, float64(len(corrupt))},
		{"dmarc_agent_messages_total", []string{"source", "dir", "outcome", "retry"}, 0},
		{"dmarc_agent_dir_known_files_total", nil, float64(copies)},
		{"dmarc_agent_reports_total", []string{"kind", "aggregate"}, float64(len(valid))},
		{"dmarc_agent_documents_total", []string{"kind", "aggregate"}, float64(len(valid))},
		{"dmarc_agent_queue_depth", nil, 0},
		{"dmarc_agent_messages_in_flight", nil, 0},
		{"dmarc_agent_messages_handed_back_total", []string{"source", "dir"}, 0},
	} {
		if got := value(mfs, tc.name, tc.labels...); got != tc.want {
			t.Errorf("%s%v = %v, want %v", tc.name, tc.labels, got, tc.want)
		}
	}
	if got := value(mfs, "dmarc_agent_source_last_success_timestamp_seconds", "source", "dir"); got < float64(time.Now().Add(-time.Minute).Unix()) {
		t.Errorf("last success = %v", got)
	}
	if code, _, stderr := runCLI(t, []string{"DMARC_AGENT_HTTP__LISTEN=" + addr}, "healthcheck"); code != ExitOK {
		t.Errorf("healthcheck of the running agent: exit %d %s", code, stderr)
	}
	agent.cmd.Process.Signal(syscall.SIGTERM)
	if code := agent.wait(t, 30*time.Second); code != 0 {
		t.Fatalf("exit code after SIGTERM = %d", code)
	}
}

func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		return nil // not listening yet
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("/metrics does not parse: %v", err)
	}
	return mfs
}

// value sums the series of a family whose labels include the given pairs.
func value(mfs map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	var sum float64
	for _, m := range mfs[name].GetMetric() {
		have := map[string]string{}
		for _, lp := range m.GetLabel() {
			have[lp.GetName()] = lp.GetValue()
		}
		match := true
		for i := 0; i+1 < len(labels); i += 2 {
			match = match && have[labels[i]] == labels[i+1]
		}
		if match {
			sum += m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
	}
	return sum
}
