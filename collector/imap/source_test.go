package imap_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"github.com/dmarc-agent/dmarc-agent/internal/testcluster"
)

// agentYAML is a run configuration reading box through the IMAP source into
// the real OpenSearch node (or a proxy in front of it) under prefix.
func agentYAML(d dovecot, host string, port int, box, prefix, osURL, dir, imapExtra, maxElapsed string) string {
	return fmt.Sprintf(`
log: {level: debug}
index: {prefix: %s}
sources:
  imap:
    enabled: true
    host: %s
    port: %d
    ca_file: %s
    username: %s
    mailbox: %q
    state_file: %s
    poll_interval: 1h
    ack_flush_interval: 100ms
    retry: {initial_interval: 50ms, max_interval: 500ms, max_attempts: 60}
%s
output:
  opensearch:
    urls: [%q]
    flush_interval: 100ms
    batch_docs: 4              # small bulk requests: a refused one holds few reports
    retry: {initial_interval: 50ms, max_interval: 300ms, max_elapsed: %s}
    template: {replicas: 0}
    retention_days: 0
archive: {enabled: false}
enrich:
  dns: {offline: true}
http: {listen: ""}
`, prefix, host, port, d.caFile, d.user, box, filepath.Join(dir, "imap-state.json"), imapExtra, osURL, maxElapsed)
}

func passwordEnv(d dovecot) string { return "DMARC_AGENT_SOURCES__IMAP__PASSWORD=" + d.password }

// checkNoPassword fails if the password appears in the log, and makes sure
// the log was written at debug level.
func checkNoPassword(t *testing.T, d dovecot, logs string) {
	t.Helper()
	if !strings.Contains(logs, "level=DEBUG") {
		t.Errorf("no debug line in the log; the check would prove nothing:\n%s", tail(logs))
	}
	if strings.Contains(logs, d.password) {
		t.Errorf("the IMAP password appears in the log")
	}
}

func tail(s string) string {
	if len(s) > 4000 {
		return "..." + s[len(s)-4000:]
	}
	return s
}

// 500 report mails in every container form plus ordinary mail: one
// `run --once` indexes each report once, flags exactly the delivered mail
// (and marks the ordinary mail failed); a second run adds nothing.
func TestRunOnceEveryFormExactlyOnce(t *testing.T) {
	d := server(t)
	base := testcluster.URL(t)
	prefix := testcluster.Prefix(t, base)
	box := d.mailbox(t)
	mails := corpus(t, 500)
	forms, docs, raws := map[string]int{}, 0, make([][]byte, len(mails))
	for i, m := range mails {
		forms[m.form]++
		docs += m.docs
		raws[i] = m.raw
	}
	for _, f := range []string{"xml", "gz", "zip", "inline", "eml", "plain"} {
		if forms[f] == 0 {
			t.Fatalf("the corpus has no %s mail: %v", f, forms)
		}
	}
	t.Logf("forms %v, %d documents expected", forms, docs)
	c := d.client(t)
	uids := appendAll(t, c, box, raws)

	dir := t.TempDir()
	yaml := agentYAML(d, d.host(), d.port(), box, prefix, base, dir, "", "1m")
	a := newAgent(t, yaml, passwordEnv(d))
	if code := a.once(t); code != 0 {
		t.Fatalf("run --once: exit %d\n%s", code, tail(a.logs.String()))
	}
	if n := testcluster.Count(t, base, prefix+"-*"); n != docs {
		t.Fatalf("indexed %d documents, want %d", n, docs)
	}
	flags := flagsOf(t, c, box)
	for i, m := range mails {
		f := flags[uids[i]]
		report := m.form != "plain"
		if has(f, "$DmarcProcessed") != report || has(f, "$DmarcFailed") == report {
			t.Errorf("mail %d (%s): flags %v", i, m.form, f)
		}
		if has(f, string(imap.FlagSeen)) {
			t.Errorf("mail %d: marked \\Seen; the source must only peek", i)
		}
	}
	checkNoPassword(t, d, a.logs.String())

	again := newAgent(t, yaml, passwordEnv(d))
	if code := again.once(t); code != 0 {
		t.Fatalf("second run --once: exit %d\n%s", code, tail(again.logs.String()))
	}
	if n := testcluster.Count(t, base, prefix+"-*"); n != docs {
		t.Errorf("second run: %d documents, want %d", n, docs)
	}
	if !strings.Contains(again.logs.String(), "candidates=0") {
		t.Errorf("second run examined mail again:\n%s", tail(again.logs.String()))
	}
}

// A running agent waits in IDLE; mail appended then is delivered within
// seconds although poll_interval is an hour.
func TestIdleDeliversNewMail(t *testing.T) {
	d := server(t)
	base := testcluster.URL(t)
	prefix := testcluster.Prefix(t, base)
	box := d.mailbox(t)
	c := d.client(t)
	appendAll(t, c, box, [][]byte{reportMail("idle-1"), reportMail("idle-2")})

	a := newAgent(t, agentYAML(d, d.host(), d.port(), box, prefix, base, t.TempDir(), "", "1m"), passwordEnv(d))
	idling := a.logs.next("imap idling")
	stop := a.start(t)
	select {
	case <-idling:
	case <-time.After(time.Minute):
		t.Fatalf("the agent never entered IDLE:\n%s", tail(a.logs.String()))
	}
	waitFor(t, "the first two reports", 30*time.Second, func() bool { return testcluster.Count(t, base, prefix+"-*") == 2 })

	idlingAgain := a.logs.next("imap idling")
	start := time.Now()
	uids := appendAll(t, c, box, [][]byte{reportMail("idle-3"), reportMail("idle-4"), reportMail("idle-5")})
	waitFor(t, "the reports appended during IDLE", 15*time.Second, func() bool { return testcluster.Count(t, base, prefix+"-*") == 5 })
	t.Logf("delivered %s after the APPEND", time.Since(start).Round(time.Millisecond))
	select {
	case <-idlingAgain:
	case <-time.After(30 * time.Second):
		t.Fatal("the agent did not go back to IDLE")
	}
	if code := stop(); code != 0 {
		t.Errorf("run: exit %d\n%s", code, tail(a.logs.String()))
	}
	flags := flagsOf(t, c, box)
	for _, u := range uids {
		if !has(flags[u], "$DmarcProcessed") {
			t.Errorf("uid %d not flagged: %v", u, flags[u])
		}
	}
	if n := testcluster.Count(t, base, prefix+"-*"); n != 5 {
		t.Errorf("%d documents, want 5", n)
	}
	checkNoPassword(t, d, a.logs.String())
}

// tcpProxy forwards to target and calls trip once after more than
// threshold bytes came back from the server.
type tcpProxy struct {
	ln        net.Listener
	target    string
	threshold int64
	trip      func()

	sent    atomic.Int64
	tripped atomic.Bool
	mu      sync.Mutex
	conns   []net.Conn
	wg      sync.WaitGroup
}

func newTCPProxy(t *testing.T, target string, threshold int64, trip func()) *tcpProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{ln: ln, target: target, threshold: threshold, trip: trip}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(func() { ln.Close(); p.closeAll(); p.wg.Wait() })
	return p
}

func (p *tcpProxy) port() int { return p.ln.Addr().(*net.TCPAddr).Port }

func (p *tcpProxy) accept() {
	defer p.wg.Done()
	for {
		in, err := p.ln.Accept()
		if err != nil {
			return
		}
		out, err := net.Dial("tcp", p.target)
		if err != nil {
			in.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, in, out)
		p.mu.Unlock()
		p.wg.Add(2)
		go func() { defer p.wg.Done(); io.Copy(out, in); out.Close() }()
		go func() {
			defer p.wg.Done()
			defer in.Close()
			buf := make([]byte, 4096)
			for {
				n, err := out.Read(buf)
				if n > 0 {
					if _, werr := in.Write(buf[:n]); werr != nil {
						return
					}
					if p.sent.Add(int64(n)) > p.threshold && p.tripped.CompareAndSwap(false, true) {
						p.trip()
					}
				}
				if err != nil {
					return
				}
			}
		}()
	}
}

func (p *tcpProxy) closeAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// The server is killed (SIGKILL, every process) while the agent fetches
// bodies, then started again: the agent reconnects and every report is
// indexed once and flagged.
func TestServerKilledMidFetch(t *testing.T) {
	d := server(t)
	if d.stateDir == "" || d.script == "" {
		t.Fatal("IMAP_TEST_STATE_DIR and IMAP_DEV_SCRIPT are needed to kill and restart the server")
	}
	base := testcluster.URL(t)
	prefix := testcluster.Prefix(t, base)
	box := d.mailbox(t)
	const n = 200
	mails := make([][]byte, n)
	var total int64
	for i := range mails {
		mails[i] = reportMail(fmt.Sprintf("kill-%03d", i))
		total += int64(len(mails[i]))
	}
	c := d.client(t)
	uids := appendAll(t, c, box, mails)
	c.Close()

	killed := make(chan error, 1)
	var proxy *tcpProxy
	proxy = newTCPProxy(t, d.addr, total/3, func() {
		// In the proxy's reader: the agent is in the middle of the bodies.
		killed <- func() error {
			if err := d.killErr(); err != nil {
				return err
			}
			proxy.closeAll()
			return d.restartErr()
		}()
	})
	a := newAgent(t, agentYAML(d, d.host(), proxy.port(), box, prefix, base, t.TempDir(), "", "1m"), passwordEnv(d))
	code := a.once(t)
	select {
	case err := <-killed:
		if err != nil {
			t.Fatalf("killing and restarting dovecot: %v", err)
		}
	default:
		t.Fatalf("the server was never killed (%d of %d bytes passed)", proxy.sent.Load(), total)
	}
	if code != 0 {
		t.Fatalf("run --once: exit %d\n%s", code, tail(a.logs.String()))
	}
	if !strings.Contains(a.logs.String(), "imap pass failed; reconnecting") {
		t.Errorf("no reconnect in the log; was the fetch interrupted?\n%s", tail(a.logs.String()))
	}
	if got := testcluster.Count(t, base, prefix+"-*"); got != n {
		t.Errorf("indexed %d documents, want %d", got, n)
	}
	c = d.client(t)
	flags := flagsOf(t, c, box)
	for i, u := range uids {
		if !has(flags[u], "$DmarcProcessed") {
			t.Errorf("mail %d (uid %d) not flagged: %v", i, u, flags[u])
		}
	}
	checkNoPassword(t, d, a.logs.String())
}

// countReport returns how many documents carry a report id.
func countReport(t *testing.T, base, prefix, id string) int {
	t.Helper()
	m := testcluster.Do(t, base, http.MethodPost, "/"+prefix+"-*/_count", `{"query":{"term":{"report.id":"`+id+`"}}}`)
	return int(m["count"].(float64))
}

// The output refuses the bulk requests holding some reports: those mails
// stay unflagged, flagged mail has all its documents, and the next run
// delivers the rest; nothing is doubled.
func TestOutputFailurePartWay(t *testing.T) {
	d := server(t)
	base := testcluster.URL(t)
	prefix := testcluster.Prefix(t, base)
	target, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	failing := []string{"part-05", "part-17", "part-23"}
	var refusing atomic.Bool
	refusing.Store(true)
	var refused atomic.Int64
	rp := httputil.NewSingleHostReverseProxy(target)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if refusing.Load() && strings.HasSuffix(r.URL.Path, "/_bulk") {
			body, _ := io.ReadAll(r.Body)
			for _, id := range failing {
				if strings.Contains(string(body), id) {
					refused.Add(1)
					http.Error(w, `{"error":"unavailable"}`, http.StatusServiceUnavailable)
					return
				}
			}
			r.Body = io.NopCloser(strings.NewReader(string(body)))
			r.ContentLength = int64(len(body))
		}
		rp.ServeHTTP(w, r)
	}))
	defer proxy.Close()

	box := d.mailbox(t)
	const n = 30
	mails := make([][]byte, n)
	for i := range mails {
		mails[i] = reportMail(fmt.Sprintf("part-%02d", i))
	}
	c := d.client(t)
	uids := appendAll(t, c, box, mails)
	yaml := agentYAML(d, d.host(), d.port(), box, prefix, proxy.URL, t.TempDir(), "", "1s")
	a := newAgent(t, yaml, passwordEnv(d))
	code := a.once(t)
	t.Logf("first run: exit %d, %d bulk requests refused", code, refused.Load())
	if refused.Load() == 0 {
		t.Fatal("no bulk request was refused")
	}
	indexed := testcluster.Count(t, base, prefix+"-*") // refreshes the indices too
	flags := flagsOf(t, c, box)
	flagged := 0
	for i, u := range uids {
		id := fmt.Sprintf("part-%02d", i)
		got := countReport(t, base, prefix, id)
		isFailing := false
		for _, f := range failing {
			isFailing = isFailing || f == id
		}
		switch {
		case isFailing && (got != 0 || has(flags[u], "$DmarcProcessed")):
			t.Errorf("%s: refused by the output, yet %d documents and flags %v", id, got, flags[u])
		case has(flags[u], "$DmarcProcessed"):
			flagged++
			if got != 1 {
				t.Errorf("%s flagged with %d documents indexed", id, got)
			}
		}
	}
	// How many neighbours share a refused bulk request is the output's
	// business; some mail must get through and no refused one may be flagged.
	if flagged == 0 || flagged > n-len(failing) || indexed != flagged {
		t.Errorf("first run flagged %d mails, indexed %d documents", flagged, indexed)
	}
	t.Logf("first run: %d of %d mails flagged, %d documents indexed", flagged, n, indexed)

	refusing.Store(false)
	again := newAgent(t, yaml, passwordEnv(d))
	if code := again.once(t); code != 0 {
		t.Fatalf("second run: exit %d\n%s", code, tail(again.logs.String()))
	}
	if got := testcluster.Count(t, base, prefix+"-*"); got != n {
		t.Errorf("%d documents after the second run, want %d", got, n)
	}
	flags = flagsOf(t, c, box)
	for i, u := range uids {
		id := fmt.Sprintf("part-%02d", i)
		if !has(flags[u], "$DmarcProcessed") || countReport(t, base, prefix, id) != 1 {
			t.Errorf("%s after the second run: flags %v, %d documents", id, flags[u], countReport(t, base, prefix, id))
		}
	}
}

// The mailbox is deleted and made again (a new UIDVALIDITY) with the same
// mail plus new mail: everything is read again, nothing is doubled.
func TestUIDValidityChangeReadsAgainWithoutDuplicates(t *testing.T) {
	d := server(t)
	base := testcluster.URL(t)
	prefix := testcluster.Prefix(t, base)
	box := d.mailbox(t)
	c := d.client(t)
	var mails [][]byte
	for i := range 10 {
		mails = append(mails, reportMail(fmt.Sprintf("uv-%02d", i)))
	}
	appendAll(t, c, box, mails)
	sel, err := c.Select(box, nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	before := sel.UIDValidity
	c.Unselect().Wait()

	yaml := agentYAML(d, d.host(), d.port(), box, prefix, base, t.TempDir(), "", "1m")
	if code := newAgent(t, yaml, passwordEnv(d)).once(t); code != 0 {
		t.Fatalf("first run: exit %d", code)
	}
	if got := testcluster.Count(t, base, prefix+"-*"); got != 10 {
		t.Fatalf("%d documents, want 10", got)
	}

	if err := c.Delete(box).Wait(); err != nil {
		t.Fatal(err)
	}
	if err := c.Create(box, nil).Wait(); err != nil {
		t.Fatal(err)
	}
	for i := 10; i < 15; i++ {
		mails = append(mails, reportMail(fmt.Sprintf("uv-%02d", i)))
	}
	uids := appendAll(t, c, box, mails)
	sel, err = c.Select(box, nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if sel.UIDValidity == before {
		t.Fatalf("UIDVALIDITY did not change (%d)", before)
	}
	c.Unselect().Wait()

	a := newAgent(t, yaml, passwordEnv(d))
	if code := a.once(t); code != 0 {
		t.Fatalf("second run: exit %d\n%s", code, tail(a.logs.String()))
	}
	if !strings.Contains(a.logs.String(), "UIDVALIDITY changed") {
		t.Errorf("the change was not noticed:\n%s", tail(a.logs.String()))
	}
	if !strings.Contains(a.logs.String(), "candidates=15") {
		t.Errorf("the whole mailbox was not read again:\n%s", tail(a.logs.String()))
	}
	if got := testcluster.Count(t, base, prefix+"-*"); got != 15 {
		t.Errorf("%d documents, want 15", got)
	}
	flags := flagsOf(t, c, box)
	for _, u := range uids {
		if !has(flags[u], "$DmarcProcessed") {
			t.Errorf("uid %d not flagged: %v", u, flags[u])
		}
	}
}
