package imap_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/dmarc-agent/dmarc-agent/internal/cli"
	"github.com/dmarc-agent/dmarc-agent/internal/testreport"
	"github.com/dmarc-agent/dmarc-agent/tools/corpus/gen"

	"github.com/dmarc-agent/dmarc-agent/internal/testwait"
)

// dovecot is the server scripts/imap-dev.sh started (scripts/test.sh
// exports its settings).
type dovecot struct {
	addr, starttlsAddr string
	user, password     string
	caFile, stateDir   string
	script             string
}

// server returns the test server, or skips without one; with CI=true or
// DMARC_AGENT_REQUIRE_IMAP=1 a missing server is a failure.
func server(t *testing.T) dovecot {
	t.Helper()
	d := dovecot{
		addr: os.Getenv("IMAP_TEST_ADDR"), starttlsAddr: os.Getenv("IMAP_TEST_STARTTLS_ADDR"),
		user: os.Getenv("IMAP_TEST_USER"), password: os.Getenv("IMAP_TEST_PASSWORD"),
		caFile: os.Getenv("IMAP_TEST_CA_FILE"), stateDir: os.Getenv("IMAP_TEST_STATE_DIR"),
		script: os.Getenv("IMAP_DEV_SCRIPT"),
	}
	if d.addr == "" || d.user == "" || d.password == "" || d.caFile == "" {
		if os.Getenv("CI") == "true" || os.Getenv("DMARC_AGENT_REQUIRE_IMAP") == "1" {
			t.Fatal("IMAP_TEST_ADDR, IMAP_TEST_USER, IMAP_TEST_PASSWORD and IMAP_TEST_CA_FILE are not set: start Dovecot with `eval \"$(scripts/imap-dev.sh start | sed 's/^/export /')\"` (scripts/test.sh does)")
		}
		t.Skip("integration test: needs the Dovecot of scripts/imap-dev.sh (IMAP_TEST_* variables)")
	}
	return d
}

func (d dovecot) host() string { h, _, _ := net.SplitHostPort(d.addr); return h }
func (d dovecot) port() int {
	_, p, _ := net.SplitHostPort(d.addr)
	n, _ := strconv.Atoi(p)
	return n
}

// client logs in as the test user over TLS.
func (d dovecot) client(t *testing.T) *imapclient.Client {
	t.Helper()
	pem, err := os.ReadFile(d.caFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	c, err := imapclient.DialTLS(d.addr, &imapclient.Options{TLSConfig: &tls.Config{RootCAs: pool, ServerName: d.host()}})
	if err != nil {
		t.Fatalf("connecting to dovecot: %v", err)
	}
	if err := c.Login(d.user, d.password).Wait(); err != nil {
		t.Fatalf("login: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// mailbox creates a mailbox unique to the test and deletes it (and the
// folders named after it) when the test ends.
func (d dovecot) mailbox(t *testing.T) string {
	t.Helper()
	name := fmt.Sprintf("t-%s-%d", strings.NewReplacer("/", "-", " ", "-").Replace(t.Name()), time.Now().UnixNano()%1e9)
	c := d.client(t)
	if err := c.Create(name, nil).Wait(); err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	t.Cleanup(func() {
		c := d.client(t)
		list, _ := c.List("", name+"*", nil).Collect()
		for _, l := range list {
			c.Delete(l.Mailbox).Wait()
		}
	})
	return name
}

// appendAll appends the mails in order and returns their UIDs.
func appendAll(t *testing.T, c *imapclient.Client, box string, mails [][]byte) []imap.UID {
	t.Helper()
	uids := make([]imap.UID, len(mails))
	for i, m := range mails {
		cmd := c.Append(box, int64(len(m)), nil)
		if _, err := cmd.Write(m); err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
		if err := cmd.Close(); err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
		data, err := cmd.Wait()
		if err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
		uids[i] = data.UID
	}
	return uids
}

// flagsOf returns the flags of every message of box by UID.
func flagsOf(t *testing.T, c *imapclient.Client, box string) map[imap.UID][]imap.Flag {
	t.Helper()
	if _, err := c.Select(box, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		t.Fatalf("select %s: %v", box, err)
	}
	out := map[imap.UID][]imap.Flag{}
	msgs, err := c.Fetch(imap.SeqSet{imap.SeqRange{Start: 1, Stop: 0}}, &imap.FetchOptions{UID: true, Flags: true}).Collect()
	if err != nil && !strings.Contains(err.Error(), "Invalid messageset") && !strings.Contains(err.Error(), "No messages") {
		t.Fatalf("fetch flags of %s: %v", box, err)
	}
	for _, m := range msgs {
		out[m.UID] = m.Flags
	}
	c.Unselect().Wait()
	return out
}

// count returns how many messages box holds.
func count(t *testing.T, c *imapclient.Client, box string) int {
	t.Helper()
	st, err := c.Status(box, &imap.StatusOptions{NumMessages: true}).Wait()
	if err != nil {
		t.Fatalf("status %s: %v", box, err)
	}
	return int(*st.NumMessages)
}

func has(flags []imap.Flag, f string) bool {
	for _, x := range flags {
		if strings.EqualFold(string(x), f) {
			return true
		}
	}
	return false
}

// reportMail is a one-document report mail with a gzipped attachment.
func reportMail(reportID string) []byte {
	return attachmentMail("Report domain: example.com Report-ID: "+reportID, "google.com!example.com!1700006400!1700092799!"+reportID+".xml.gz", "application/gzip", gzBytes(testreport.AggregateXML(reportID)))
}

func gzBytes(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// attachmentMail is a multipart mail: a text part and one base64 attachment.
func attachmentMail(subject, name, ctype string, data []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: noreply-dmarc-support@google.com\r\nTo: dmarc@example.com\r\nSubject: %s\r\nDate: Thu, 16 Nov 2023 00:00:00 +0000\r\n", subject)
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"=_b\"\r\n\r\n")
	b.WriteString("--=_b\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nThis is an aggregate report.\r\n\r\n")
	fmt.Fprintf(&b, "--=_b\r\nContent-Type: %s; name=\"%s\"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"%s\"\r\n\r\n", ctype, name, name)
	enc := base64.StdEncoding.EncodeToString(data)
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n--=_b--\r\n")
	return b.Bytes()
}

// inlineMail carries the XML as the whole body.
func inlineMail(subject string, xml []byte) []byte {
	return append([]byte("From: dmarc@small.example\r\nTo: dmarc@example.com\r\nSubject: "+subject+
		"\r\nMIME-Version: 1.0\r\nContent-Type: text/xml; charset=UTF-8\r\n\r\n"), xml...)
}

// plainMail is ordinary mail holding no report.
func plainMail(i int) []byte {
	return []byte(fmt.Sprintf("From: friend@example.org\r\nTo: dmarc@example.com\r\nSubject: lunch %d\r\nMessage-ID: <lunch-%d@example.org>\r\n\r\nHello.\r\n", i, i))
}

// corpusMail is one test mail: a report (with its document count) or not.
type corpusMail struct {
	raw  []byte
	form string // xml, gz, zip (attachments), inline, eml (the generator's own mail), plain
	docs int
}

// corpus builds n report mails from the project's corpus generator, in
// every container form, and every tenth position an ordinary mail in
// addition.
func corpus(t *testing.T, n int) []corpusMail {
	t.Helper()
	o := gen.Options{Seed: 19, EMLShare: 0.2, MaxRecords: 3}
	var out []corpusMail
	for i := range n {
		f, err := gen.NewFile(o, i)
		if err != nil {
			t.Fatal(err)
		}
		subject := "Report domain: " + f.Name
		m := corpusMail{form: f.Form, docs: f.Records}
		switch f.Form {
		case "eml":
			m.raw = f.Data
		case "xml":
			if i%2 == 0 {
				m.form, m.raw = "inline", inlineMail(subject, f.Data)
			} else {
				m.raw = attachmentMail(subject, f.Name, "text/xml", f.Data)
			}
		case "gz":
			m.raw = attachmentMail(subject, f.Name, "application/gzip", f.Data)
		case "zip":
			m.raw = attachmentMail(subject, f.Name, "application/zip", f.Data)
		default:
			t.Fatalf("unknown form %q", f.Form)
		}
		out = append(out, m)
		if i%10 == 9 {
			out = append(out, corpusMail{raw: plainMail(i), form: "plain"})
		}
	}
	return out
}

// agent runs `dmarc-agent run` in-process with a YAML config.
type agent struct {
	cfg  string
	env  []string
	logs *logBuffer
}

func newAgent(t *testing.T, yaml string, env ...string) *agent {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(p, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return &agent{cfg: p, env: env, logs: newLogBuffer()}
}

// once runs `run --once` and returns its exit code.
func (a *agent) once(t *testing.T) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	return cli.Main(ctx, cli.Env{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: a.logs, Environ: a.env}, []string{"run", "--once", "--config", a.cfg})
}

// start runs `run` until the returned stop is called; stop returns the exit code.
func (a *agent) start(t *testing.T) (stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- cli.Main(ctx, cli.Env{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: a.logs, Environ: a.env}, []string{"run", "--config", a.cfg})
	}()
	var once sync.Once
	code := -1
	stop = func() int {
		once.Do(func() {
			cancel()
			select {
			case code = <-done:
			case <-time.After(time.Minute):
				t.Error("agent did not stop within a minute")
			}
		})
		return code
	}
	t.Cleanup(func() { stop() })
	return stop
}

// logBuffer keeps the agent's log and signals lines that contain a text.
type logBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	waiters map[string]chan struct{}
}

func newLogBuffer() *logBuffer { return &logBuffer{waiters: map[string]chan struct{}{}} }

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	for s, ch := range l.waiters {
		if bytes.Contains(p, []byte(s)) {
			close(ch)
			delete(l.waiters, s)
		}
	}
	return len(p), nil
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// next returns a channel closed when a later write contains s.
func (l *logBuffer) next(s string) <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	ch := make(chan struct{})
	l.waiters[s] = ch
	return ch
}

// waitFor polls cond (a readiness probe on a real server) until it holds.
func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	testwait.Until(t, what, d, cond)
}

// killErr ends the Dovecot master and every process under it with
// SIGKILL, as a crash would, and returns once they are gone.
func (d dovecot) killErr() error {
	b, err := os.ReadFile(filepath.Join(d.stateDir, "run", "master.pid"))
	if err != nil {
		return fmt.Errorf("reading the dovecot pid: %w", err)
	}
	master, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return err
	}
	pids := append([]int{master}, descendants(master)...)
	for _, p := range pids {
		syscall.Kill(p, syscall.SIGKILL)
	}
	deadline := time.Now().Add(10 * time.Second)
	for _, p := range pids {
		for {
			st, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p))
			if err != nil || strings.Contains(string(st), ") Z ") {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("dovecot process %d still alive after SIGKILL", p)
			}
			time.Sleep(20 * time.Millisecond) // polling /proc: no exit signal for a non-child
		}
	}
	return nil
}

// descendants lists the processes whose parent chain reaches pid.
func descendants(pid int) []int {
	parent := map[int]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		st, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		f := strings.Fields(string(st[strings.LastIndexByte(string(st), ')')+1:]))
		if len(f) > 1 {
			pp, _ := strconv.Atoi(f[1])
			parent[p] = pp
		}
	}
	var out []int
	for p := range parent {
		for q := parent[p]; q > 1; q = parent[q] {
			if q == pid {
				out = append(out, p)
				break
			}
		}
	}
	return out
}

// restartErr starts the killed server again with its script.
func (d dovecot) restartErr() error {
	if d.script == "" {
		return fmt.Errorf("IMAP_DEV_SCRIPT is not set")
	}
	_, tlsPort, _ := net.SplitHostPort(d.addr)
	_, port, _ := net.SplitHostPort(d.starttlsAddr)
	cmd := exec.Command("bash", d.script, "start")
	cmd.Env = append(os.Environ(), "IMAP_STATE_DIR="+d.stateDir, "IMAPS_PORT="+tlsPort, "IMAP_PORT="+port)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("restarting dovecot: %w\n%s", err, out)
	}
	return nil
}
