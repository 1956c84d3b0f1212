package imap_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/dmarc-agent/dmarc-agent/collector"
	"github.com/dmarc-agent/dmarc-agent/collector/imap"
	"github.com/dmarc-agent/dmarc-agent/internal/secret"
	"github.com/dmarc-agent/dmarc-agent/internal/testreport"
)

// consumer plays the pipeline without an output: a message holding
// "<feedback>" or an attachment is delivered, any other is rejected.
type consumer struct {
	mu        sync.Mutex
	delivered []string // subjects
	rejected  []string
}

func (c *consumer) drain(ctx context.Context, src collector.Source) error {
	out := make(chan collector.Message)
	errc := make(chan error, 1)
	go func() { errc <- src.Run(ctx, out, true); close(out) }()
	for m := range out {
		rc, err := m.Open(ctx)
		if err != nil {
			m.Ack(ctx, collector.Outcome{Err: err})
			continue
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		c.mu.Lock()
		if bytes.Contains(b, []byte("<feedback>")) || bytes.Contains(b, []byte("Content-Disposition: attachment")) {
			c.delivered = append(c.delivered, m.Name)
			c.mu.Unlock()
			m.Ack(ctx, collector.Outcome{})
		} else {
			c.rejected = append(c.rejected, m.Name)
			c.mu.Unlock()
			m.Ack(ctx, collector.Outcome{Err: collector.ErrNoReport, Reason: "no report"})
		}
	}
	return <-errc
}

func baseConfig(t *testing.T, d dovecot, box string) imap.Config {
	cfg := imap.DefaultConfig()
	cfg.Enabled = true
	cfg.Host, cfg.Port = d.host(), d.port()
	cfg.CAFile = d.caFile
	cfg.Username, cfg.Password = d.user, secret.String(d.password)
	cfg.Mailbox = box
	cfg.StateFile = filepath.Join(t.TempDir(), "state.json")
	cfg.AckFlushInterval = 50 * time.Millisecond
	cfg.Retry = imap.RetryConfig{InitialInterval: 10 * time.Millisecond, MaxInterval: 50 * time.Millisecond, MaxAttempts: 1}
	return cfg
}

func runOnce(t *testing.T, cfg imap.Config, logs io.Writer) (*consumer, error) {
	t.Helper()
	if logs == nil {
		logs = io.Discard
	}
	src, err := imap.New(cfg, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})), nil)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := &consumer{}
	return c, c.drain(ctx, src)
}

// TLS verification is on: the self-signed server certificate fails without
// its CA file, for implicit TLS and STARTTLS alike, and passes with it.
func TestTLSVerification(t *testing.T) {
	d := server(t)
	box := d.mailbox(t)
	appendAll(t, d.client(t), box, [][]byte{reportMail("tls-1")})
	for _, mode := range []string{"implicit", "starttls"} {
		t.Run(mode, func(t *testing.T) {
			cfg := baseConfig(t, d, box)
			cfg.TLS = mode
			if mode == "starttls" {
				cfg.Port = portOf(d.starttlsAddr)
			}
			cfg.CAFile = ""
			_, err := runOnce(t, cfg, nil)
			if err == nil || !strings.Contains(err.Error(), "x509: certificate signed by unknown authority") {
				t.Fatalf("unknown CA: got %v, want a certificate verification error", err)
			}
			cfg.CAFile = d.caFile
			c, err := runOnce(t, cfg, nil)
			if err != nil {
				t.Fatalf("with the CA file: %v", err)
			}
			if mode == "implicit" && len(c.delivered) != 1 {
				t.Errorf("delivered %v, want the one report", c.delivered)
			}
		})
	}
}

// move puts delivered mail in the processed folder and mail without a
// report in the failed folder, both created on the way; delete removes
// delivered mail and leaves the rest flagged failed.
func TestMoveAndDelete(t *testing.T) {
	d := server(t)
	mails := [][]byte{reportMail("mv-1"), plainMail(1), reportMail("mv-2"), reportMail("mv-3"), plainMail(2)}
	t.Run("move", func(t *testing.T) {
		box := d.mailbox(t)
		c := d.client(t)
		appendAll(t, c, box, mails)
		cfg := baseConfig(t, d, box)
		cfg.AfterDelivery, cfg.ProcessedFolder, cfg.FailedFolder = "move", box+"/done", box+"/failed"
		cons, err := runOnce(t, cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(cons.delivered) != 3 || len(cons.rejected) != 2 {
			t.Fatalf("delivered %v, rejected %v", cons.delivered, cons.rejected)
		}
		if n, done, failed := count(t, c, box), count(t, c, box+"/done"), count(t, c, box+"/failed"); n != 0 || done != 3 || failed != 2 {
			t.Errorf("mailbox %d, done %d, failed %d; want 0, 3, 2", n, done, failed)
		}
		if cons, err := runOnce(t, cfg, nil); err != nil || len(cons.delivered)+len(cons.rejected) != 0 {
			t.Errorf("second run: %v, delivered %v, rejected %v", err, cons.delivered, cons.rejected)
		}
	})
	t.Run("delete", func(t *testing.T) {
		box := d.mailbox(t)
		c := d.client(t)
		uids := appendAll(t, c, box, mails)
		cfg := baseConfig(t, d, box)
		cfg.AfterDelivery = "delete"
		if _, err := runOnce(t, cfg, nil); err != nil {
			t.Fatal(err)
		}
		flags := flagsOf(t, c, box)
		if len(flags) != 2 || !has(flags[uids[1]], "$DmarcFailed") || !has(flags[uids[4]], "$DmarcFailed") {
			t.Errorf("left in the mailbox: %v; want the two ordinary mails, flagged failed", flags)
		}
	})
}

// A wrong password fails the login with a clear error; neither the error nor
// the debug log shows the password, nor does a successful run's log.
func TestPasswordNeverLogged(t *testing.T) {
	d := server(t)
	box := d.mailbox(t)
	appendAll(t, d.client(t), box, [][]byte{reportMail("pw-1")})
	var logs bytes.Buffer
	cfg := baseConfig(t, d, box)
	cfg.Password = "wrong-Secret-1234"
	_, err := runOnce(t, cfg, &logs)
	if err == nil || !strings.Contains(err.Error(), "logging in to imap server") {
		t.Fatalf("got %v, want a login error", err)
	}
	if strings.Contains(err.Error()+logs.String(), "wrong-Secret-1234") {
		t.Errorf("password leaked: %v\n%s", err, logs.String())
	}

	logs.Reset()
	pwFile := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(pwFile, []byte(d.password+"\n"), 0o600)
	cfg = baseConfig(t, d, box)
	cfg.Password, cfg.PasswordFile = "", pwFile
	if _, err := runOnce(t, cfg, &logs); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "level=DEBUG") || strings.Contains(logs.String(), d.password) {
		t.Errorf("debug log without debug lines or with the password:\n%s", logs.String())
	}
}

// Ack outcomes that are transient keep the mail unflagged and listed for
// retry; the next pass delivers it.
func TestTransientOutcomeRetried(t *testing.T) {
	d := server(t)
	box := d.mailbox(t)
	c := d.client(t)
	uids := appendAll(t, c, box, [][]byte{reportMail("tr-1"), reportMail("tr-2")})
	cfg := baseConfig(t, d, box)
	src, err := imap.New(cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	out := make(chan collector.Message)
	errc := make(chan error, 1)
	go func() { errc <- src.Run(ctx, out, true); close(out) }()
	first := true
	for m := range out {
		if first {
			m.Ack(ctx, collector.Outcome{Err: errors.New("output down")})
			first = false
			continue
		}
		m.Ack(ctx, collector.Outcome{})
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	flags := flagsOf(t, c, box)
	if has(flags[uids[0]], "$DmarcProcessed") || !has(flags[uids[1]], "$DmarcProcessed") {
		t.Fatalf("flags after the first pass: %v", flags)
	}
	st, _ := os.ReadFile(cfg.StateFile)
	if !strings.Contains(string(st), `"retry"`) {
		t.Errorf("state without the retry: %s", st)
	}
	cons, err := runOnce(t, cfg, nil)
	if err != nil || len(cons.delivered) != 1 {
		t.Fatalf("second pass: %v, delivered %v", err, cons.delivered)
	}
	if flags := flagsOf(t, c, box); !has(flags[uids[0]], "$DmarcProcessed") {
		t.Errorf("retried mail not flagged: %v", flags)
	}
}

// tls: plain works on a loopback host (the STARTTLS port without STARTTLS).
func TestPlainOnLoopback(t *testing.T) {
	d := server(t)
	box := d.mailbox(t)
	appendAll(t, d.client(t), box, [][]byte{reportMail("plain-1")})
	cfg := baseConfig(t, d, box)
	cfg.TLS, cfg.Port, cfg.CAFile = "plain", portOf(d.starttlsAddr), ""
	c, err := runOnce(t, cfg, nil)
	if err != nil || len(c.delivered) != 1 {
		t.Fatalf("plain: %v, delivered %v", err, c.delivered)
	}
}

func portOf(addr string) int {
	d := dovecot{addr: addr}
	return d.port()
}

// Flag commands are grouped: ack_batch UIDs per UID STORE, the rest at the
// end of the pass; the counters say what happened.
func TestAcksBatchedAndCounted(t *testing.T) {
	d := server(t)
	box := d.mailbox(t)
	c := d.client(t)
	var mails [][]byte
	for i := range 30 {
		mails = append(mails, reportMail(fmt.Sprintf("batch-%02d", i)))
	}
	mails = append(mails, plainMail(1))
	uids := appendAll(t, c, box, mails)
	cfg := baseConfig(t, d, box)
	cfg.AckBatch, cfg.AckFlushInterval = 8, time.Hour
	reg := prometheus.NewRegistry()
	src, err := imap.New(cfg, nil, reg)
	if err != nil {
		t.Fatal(err)
	}
	cons := &consumer{}
	if err := cons.drain(context.Background(), src); err != nil {
		t.Fatal(err)
	}
	flags := flagsOf(t, c, box)
	for i, u := range uids {
		if want := i < 30; has(flags[u], "$DmarcProcessed") != want || has(flags[u], "$DmarcFailed") == want {
			t.Errorf("mail %d: flags %v", i, flags[u])
		}
	}
	want := `
# HELP dmarc_agent_imap_ack_commands_total Batched flag, move and delete commands sent after delivery, by action and result (ok, error).
# TYPE dmarc_agent_imap_ack_commands_total counter
dmarc_agent_imap_ack_commands_total{action="flag",result="ok"} 5
# HELP dmarc_agent_imap_messages_total IMAP messages handled, by outcome (delivered, rejected, retry).
# TYPE dmarc_agent_imap_messages_total counter
dmarc_agent_imap_messages_total{outcome="delivered"} 30
dmarc_agent_imap_messages_total{outcome="rejected"} 1
# HELP dmarc_agent_imap_full_syncs_total Listings of the whole selection (first run, another mailbox, UIDVALIDITY changed).
# TYPE dmarc_agent_imap_full_syncs_total counter
dmarc_agent_imap_full_syncs_total 1
`
	// 31 acks, flushed at 8, 16, 24 (delivered) and at the end: the last 6
	// delivered plus the failed one, two commands.
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want),
		"dmarc_agent_imap_ack_commands_total", "dmarc_agent_imap_messages_total", "dmarc_agent_imap_full_syncs_total"); err != nil {
		t.Error(err)
	}
}

// A message bigger than max_memory_bytes is spooled to a temporary file
// and arrives whole.
func TestLargeMessageSpooled(t *testing.T) {
	d := server(t)
	box := d.mailbox(t)
	big := attachmentMail("Report domain: big", "big.xml", "text/xml", bytes.Repeat(testreport.AggregateXML("big-1"), 40))
	appendAll(t, d.client(t), box, [][]byte{big})
	cfg := baseConfig(t, d, box)
	cfg.MaxMemoryBytes = 4096
	src, err := imap.New(cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	out := make(chan collector.Message)
	errc := make(chan error, 1)
	ctx := context.Background()
	go func() { errc <- src.Run(ctx, out, true); close(out) }()
	n := 0
	for m := range out {
		n++
		rc, err := m.Open(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, isFile := rc.(*os.File); !isFile {
			t.Errorf("a %d-byte message was not spooled to a file", len(big))
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		if !bytes.Equal(b, big) {
			t.Errorf("got %d bytes, want the %d appended", len(b), len(big))
		}
		m.Ack(ctx, collector.Outcome{})
	}
	if err := <-errc; err != nil || n != 1 {
		t.Fatalf("run: %v, %d messages", err, n)
	}
}

// Without new mail, IDLE is ended and a pass made every idle_restart; with
// idle off, polling finds new mail.
func TestIdleRestartAndPolling(t *testing.T) {
	d := server(t)
	for _, idle := range []bool{true, false} {
		t.Run(fmt.Sprint("idle=", idle), func(t *testing.T) {
			box := d.mailbox(t)
			cfg := baseConfig(t, d, box)
			cfg.IDLE, cfg.PollInterval, cfg.IdleRestart = idle, time.Hour, 200*time.Millisecond
			if !idle {
				cfg.PollInterval = 200 * time.Millisecond
			}
			logs := newLogBuffer()
			src, err := imap.New(cfg, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})), nil)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			out := make(chan collector.Message)
			errc := make(chan error, 1)
			passes := logs.next("imap pass done")
			go func() { errc <- src.Run(ctx, out, false) }()
			for i := range 3 {
				if idle { // three idles with nothing arriving: re-issued without new mail
					passes = logs.next("imap idling")
				}
				select {
				case <-passes:
				case <-time.After(30 * time.Second):
					t.Fatalf("wait %d did not end:\n%s", i, logs.String())
				}
				passes = logs.next("imap pass done")
			}
			appendAll(t, d.client(t), box, [][]byte{reportMail("poll-1")})
			select {
			case m := <-out:
				m.Ack(ctx, collector.Outcome{})
			case <-time.After(30 * time.Second):
				t.Fatal("new mail not delivered")
			}
			cancel()
			if err := <-errc; err != nil {
				t.Errorf("Run after cancel: %v", err)
			}
			if !idle && strings.Contains(logs.String(), "imap idling") {
				t.Error("idled with idle: false")
			}
		})
	}
}

// The search keys narrow the selection: mail they do not match is neither
// read nor flagged.
func TestSearchCriteria(t *testing.T) {
	d := server(t)
	box := d.mailbox(t)
	c := d.client(t)
	uids := appendAll(t, c, box, [][]byte{reportMail("s-1"), plainMail(1), reportMail("s-2"), plainMail(2)})
	cfg := baseConfig(t, d, box)
	cfg.Search = imap.SearchConfig{Subject: "Report domain", From: "google.com", Since: "2000-01-01"}
	cons, err := runOnce(t, cfg, nil)
	if err != nil || len(cons.delivered) != 2 || len(cons.rejected) != 0 {
		t.Fatalf("%v: delivered %v, rejected %v", err, cons.delivered, cons.rejected)
	}
	flags := flagsOf(t, c, box)
	for i, u := range uids {
		if want := i%2 == 0; has(flags[u], "$DmarcProcessed") != want || has(flags[u], "$DmarcFailed") {
			t.Errorf("mail %d: flags %v", i, flags[u])
		}
	}
	cfg.Search.Since = "2999-01-01" // internal dates are today: nothing matches
	cfg.StateFile = filepath.Join(t.TempDir(), "other.json")
	appendAll(t, c, box, [][]byte{reportMail("s-3")})
	if cons, err := runOnce(t, cfg, nil); err != nil || len(cons.delivered) != 0 {
		t.Errorf("since in the future: %v, delivered %v", err, cons.delivered)
	}
}
