package gmail_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/goleak"

	"github.com/dmarc-agent/dmarc-agent/collector"
	"github.com/dmarc-agent/dmarc-agent/collector/gmail"
	"github.com/dmarc-agent/dmarc-agent/collector/gmail/gmailtest"
	"github.com/dmarc-agent/dmarc-agent/internal/testreport"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var day = time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)

// A first run pages through a selection bigger than one page and one
// batchModify, delivers each report once and labels only what it should; a
// second run reads history and delivers only the new mail.
func TestFirstRunThenHistory(t *testing.T) {
	f := gmailtest.New(box, other)
	defer f.Close()
	fx := fill(f, 1105, "a", day)
	cfg := testConfig(t, f)
	cfg.AckFlushInterval = time.Hour // all labels at the end of the pass: 1000 + 105 + failed
	c := newConsumer()
	if err := c.run(t, newSource(t, cfg, gmail.Options{}, nil)); err != nil {
		t.Fatalf("first run: %v", err)
	}
	c.exactlyOnce(t, fx.reports)
	checkLabels(t, f, fx)
	if n := f.Calls("users.messages.list"); n != 3 {
		t.Errorf("messages.list calls = %d, want 3 pages of at most 500", n)
	}
	if n := f.MaxBatchModifyIDs(); n != 1000 {
		t.Errorf("largest batchModify = %d ids, want 1000 (the limit, used in full)", n)
	}
	if n := len(c.rejected); n != 2 {
		t.Errorf("rejected %d messages, want 2", n)
	}
	if st := readState(t, cfg); !strings.Contains(st, `"history_id"`) {
		t.Errorf("state has no cursor: %s", st)
	}

	// New mail arrives: two reports, one selected without report, one
	// outside, and one report mail without a Message-ID.
	fx2 := fill(f, 2, "b", day.Add(24*time.Hour))
	noID := f.Add(box, gmailtest.Msg{Raw: mailWith("Report domain: example.com no-id", "", "x.xml.gz", gz(testreport.AggregateXML("b-noid")))})
	fx2.reports = append(fx2.reports, "b-noid")
	fx2.byReport["b-noid"] = noID
	gets := f.Calls("users.messages.get")
	cfg.AckFlushInterval = 20 * time.Millisecond
	c2 := newConsumer()
	if err := c2.run(t, newSource(t, cfg, gmail.Options{}, nil)); err != nil {
		t.Fatalf("second run: %v", err)
	}
	c2.exactlyOnce(t, fx2.reports)
	checkLabels(t, f, fx2)
	checkLabels(t, f, fx)
	if n := f.Calls("users.history.list"); n != 1 {
		t.Errorf("history.list calls = %d, want 1", n)
	}
	// metadata for the 7 new messages, raw for the 5 selected ones.
	if n := f.Calls("users.messages.get") - gets; n != 12 {
		t.Errorf("second run made %d messages.get calls, want 12 (no rescan)", n)
	}

	// Nothing new: nothing delivered, no get at all.
	gets = f.Calls("users.messages.get")
	c3 := newConsumer()
	if err := c3.run(t, newSource(t, cfg, gmail.Options{}, nil)); err != nil {
		t.Fatalf("third run: %v", err)
	}
	if len(c3.attempts) != 0 || f.Calls("users.messages.get") != gets {
		t.Errorf("idle run delivered %d messages and made %d gets", len(c3.attempts), f.Calls("users.messages.get")-gets)
	}
}

// Every fault, in the first full listing and in the history pass, ends
// with each report delivered exactly once and the labels right.
func TestFaultsLoseNothingDuplicateNothing(t *testing.T) {
	for _, tc := range []struct {
		name   string
		faults []gmailtest.Fault
	}{
		{"429 with Retry-After on get", []gmailtest.Fault{{RPC: "users.messages.get", Kind: gmailtest.TooManyRequests, RetryAfter: 1, Skip: 3, Times: 2}}},
		{"403 rate limit on list and history", []gmailtest.Fault{{RPC: "users.messages.list", Kind: gmailtest.RateLimited, Times: 2}, {RPC: "users.history.list", Kind: gmailtest.RateLimited}}},
		{"500s everywhere", []gmailtest.Fault{{RPC: "users.messages.batchModify", Kind: gmailtest.ServerError}, {RPC: "users.history.list", Kind: gmailtest.ServerError}, {Kind: gmailtest.ServerError, Skip: 2, Times: 3}}},
		{"dropped mid-body", []gmailtest.Fault{{RPC: "users.messages.get", Kind: gmailtest.DropMidBody, Skip: 5, Times: 3}, {RPC: "users.messages.list", Kind: gmailtest.DropMidBody}, {RPC: "users.messages.batchModify", Kind: gmailtest.DropMidBody}, {RPC: "users.history.list", Kind: gmailtest.DropMidBody}}},
		{"labels and profile fail", []gmailtest.Fault{{RPC: "users.labels.list", Kind: gmailtest.ServerError}, {RPC: "users.labels.create", Kind: gmailtest.DropMidBody}, {RPC: "users.getProfile", Kind: gmailtest.TooManyRequests}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := gmailtest.New(box, other)
			defer f.Close()
			fx := fill(f, 30, "a", day)
			cfg := testConfig(t, f)
			f.Inject(only(tc.faults, func(f gmailtest.Fault) bool { return f.RPC != "users.history.list" })...)
			c := newConsumer()
			start := time.Now()
			if err := c.run(t, newSource(t, cfg, gmail.Options{}, nil)); err != nil {
				t.Fatalf("first run: %v", err)
			}
			if strings.Contains(tc.name, "Retry-After") && time.Since(start) < time.Second {
				t.Errorf("run took %s; a 429 with Retry-After: 1 must wait at least 1s", time.Since(start))
			}
			if n := f.Pending(); n > 0 {
				t.Errorf("%d injected faults never fired in the first run", n)
			}
			fx2 := fill(f, 10, "b", day.Add(time.Hour))
			f.Inject(only(tc.faults, func(f gmailtest.Fault) bool {
				return f.RPC != "users.labels.create" && f.RPC != "users.getProfile" // a history pass makes neither call
			})...)
			if err := c.run(t, newSource(t, cfg, gmail.Options{}, nil)); err != nil {
				t.Fatalf("second run: %v", err)
			}
			c.exactlyOnce(t, append(slices.Clone(fx.reports), fx2.reports...))
			checkLabels(t, f, fx)
			checkLabels(t, f, fx2)
			if n := f.Pending(); n > 0 {
				t.Errorf("%d injected faults never fired in the second run", n)
			}
		})
	}
}

// An output that fails part-way: the failed messages stay unlabelled, are
// remembered, and the next run delivers them; nothing is lost or doubled.
func TestOutputFailureRetriedNextRun(t *testing.T) {
	for _, labelled := range []bool{true, false} {
		name := "labels"
		if !labelled {
			name = "read-only"
		}
		t.Run(name, func(t *testing.T) {
			f := gmailtest.New(box, other)
			defer f.Close()
			fx := fill(f, 12, "a", day)
			cfg := testConfig(t, f)
			if !labelled {
				cfg.ProcessedLabel, cfg.FailedLabel = "", ""
			}
			failing := map[string]bool{"a-0002": true, "a-0007": true, "b-0001": true}
			c := newConsumer()
			c.fail = func(_, rid string, attempt int) error {
				if failing[rid] && attempt == 1 {
					return errTransient
				}
				return nil
			}
			if err := c.run(t, newSource(t, cfg, gmail.Options{}, nil)); err != nil {
				t.Fatal(err)
			}
			if labelled {
				for rid := range failing {
					if id, ok := fx.byReport[rid]; ok && slices.Contains(f.Labels(box, id), "dmarc/processed") {
						t.Errorf("%s labelled processed although its output failed", rid)
					}
				}
			}
			// The history pass brings b-*; b-0001 fails once too.
			fx2 := fill(f, 3, "b", day.Add(time.Hour))
			if err := c.run(t, newSource(t, cfg, gmail.Options{}, nil)); err != nil {
				t.Fatal(err)
			}
			if err := c.run(t, newSource(t, cfg, gmail.Options{}, nil)); err != nil {
				t.Fatal(err)
			}
			c.exactlyOnce(t, append(slices.Clone(fx.reports), fx2.reports...))
			if labelled {
				checkLabels(t, f, fx)
				checkLabels(t, f, fx2)
			} else {
				for _, id := range append(fx.byReportIDs(), fx2.byReportIDs()...) {
					if got := f.Labels(box, id); !slices.Equal(got, []string{"INBOX", "UNREAD"}) {
						t.Errorf("read-only mode changed labels of %s: %v", id, got)
					}
				}
				if n := f.Calls("users.messages.batchModify") + f.Calls("users.labels.create"); n != 0 {
					t.Errorf("read-only mode made %d modifying calls", n)
				}
			}
			if st := readState(t, cfg); strings.Contains(st, `"retry"`) {
				t.Errorf("retry list not emptied: %s", st)
			}
		})
	}
}

// History too old (404): a full listing again, without duplicates.
func TestHistoryExpiredResyncs(t *testing.T) {
	f := gmailtest.New(box, other)
	defer f.Close()
	fx := fill(f, 20, "a", day)
	cfg := testConfig(t, f)
	c := newConsumer()
	if err := c.run(t, newSource(t, cfg, gmail.Options{}, nil)); err != nil {
		t.Fatal(err)
	}
	fx2 := fill(f, 5, "b", day.Add(time.Hour))
	f.ExpireHistory(box)
	log := &syncBuffer{}
	if err := c.run(t, newSource(t, cfg, gmail.Options{}, testLogger(log))); err != nil {
		t.Fatal(err)
	}
	c.exactlyOnce(t, append(slices.Clone(fx.reports), fx2.reports...))
	checkLabels(t, f, fx)
	checkLabels(t, f, fx2)
	if !strings.Contains(log.String(), "gmail history expired") {
		t.Errorf("no log line about the expired history:\n%s", log)
	}
	// The cursor saved by the resync works: the next run uses history.
	hist := f.Calls("users.history.list")
	lists := f.Calls("users.messages.list")
	if err := c.run(t, newSource(t, cfg, gmail.Options{}, nil)); err != nil {
		t.Fatal(err)
	}
	if f.Calls("users.history.list") != hist+1 || f.Calls("users.messages.list") != lists {
		t.Errorf("after the resync the next run did not use history")
	}
}

// Selection by label: mail labelled later by a filter or a person is picked
// up through labelAdded history; unlabelled mail is left alone.
func TestLabelSelection(t *testing.T) {
	f := gmailtest.New(box, other)
	defer f.Close()
	cfg := testConfig(t, f)
	cfg.Query = ""
	cfg.Label = "DMARC Reports"
	in := f.Add(box, gmailtest.Msg{Raw: reportMail("l-1"), Labels: []string{"INBOX", "DMARC Reports"}})
	notIn := f.Add(box, gmailtest.Msg{Raw: reportMail("l-2")})
	c := newConsumer()
	if err := c.run(t, newSource(t, cfg, gmail.Options{}, nil)); err != nil {
		t.Fatal(err)
	}
	later := f.Add(box, gmailtest.Msg{Raw: reportMail("l-3")})
	f.Label(box, later, "DMARC Reports")
	f.Add(box, gmailtest.Msg{Raw: reportMail("l-4")})
	if err := c.run(t, newSource(t, cfg, gmail.Options{}, nil)); err != nil {
		t.Fatal(err)
	}
	c.exactlyOnce(t, []string{"l-1", "l-3"})
	if got := f.Labels(box, in); !slices.Contains(got, "dmarc/processed") {
		t.Errorf("labelled report mail: %v", got)
	}
	if got := f.Labels(box, notIn); !slices.Equal(got, []string{"INBOX", "UNREAD"}) {
		t.Errorf("mail without the selection label touched: %v", got)
	}
}

// A selection label that does not exist is a clear error.
func TestMissingSelectionLabel(t *testing.T) {
	f := gmailtest.New(box, other)
	defer f.Close()
	cfg := testConfig(t, f)
	cfg.Label = "nope"
	err := newConsumer().run(t, newSource(t, cfg, gmail.Options{}, nil))
	if err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Fatalf("err = %v, want one naming the label", err)
	}
}

// Messages above max_raw_bytes are rebuilt from format=full and
// attachments.get, and still carry their report.
func TestLargeMessagesThroughAttachments(t *testing.T) {
	f := gmailtest.New(box, other)
	defer f.Close()
	fx := fill(f, 3, "a", day)
	cfg := testConfig(t, f)
	cfg.MaxRawBytes = 200
	c := newConsumer()
	if err := c.run(t, newSource(t, cfg, gmail.Options{}, nil)); err != nil {
		t.Fatal(err)
	}
	c.exactlyOnce(t, fx.reports)
	checkLabels(t, f, fx)
	if n := f.Calls("users.messages.attachments.get"); n != 4 {
		t.Errorf("attachments.get calls = %d, want 4 (3 reports + 1 broken attachment)", n)
	}
	for id, name := range c.names {
		if !strings.HasSuffix(name, ".eml") || c.received[id].IsZero() {
			t.Errorf("message %s: name %q received %s", id, name, c.received[id])
		}
	}
}

// Reprocessing re-reads processed (and failed) mail after a date, still
// labels, and leaves the cursor alone.
func TestReprocessSince(t *testing.T) {
	f := gmailtest.New(box, other)
	defer f.Close()
	old := fill(f, 3, "old", day.Add(-30*24*time.Hour))
	fx := fill(f, 4, "new", day)
	cfg := testConfig(t, f)
	if err := newConsumer().run(t, newSource(t, cfg, gmail.Options{}, nil)); err != nil {
		t.Fatal(err)
	}
	before := readState(t, cfg)
	c := newConsumer()
	if err := c.run(t, newSource(t, cfg, gmail.Options{Since: day.Add(-time.Hour)}, nil)); err != nil {
		t.Fatal(err)
	}
	c.exactlyOnce(t, fx.reports)
	if len(c.rejected) != 2 {
		t.Errorf("reprocessing rejected %d, want the 2 failed messages again", len(c.rejected))
	}
	checkLabels(t, f, fx)
	checkLabels(t, f, old)
	if after := readState(t, cfg); after != before {
		t.Errorf("reprocessing changed the state file:\n%s\n%s", before, after)
	}
}

// Polling mode picks up new mail at the next poll and returns on cancel.
func TestPolling(t *testing.T) {
	f := gmailtest.New(box, other)
	defer f.Close()
	cfg := testConfig(t, f)
	src := newSource(t, cfg, gmail.Options{}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	out := make(chan collector.Message)
	done := make(chan error)
	go func() { done <- src.Run(ctx, out, false) }()
	c := newConsumer()
	f.Add(box, gmailtest.Msg{Raw: reportMail("p-1")})
	c.handle(ctx, <-out)
	f.Add(box, gmailtest.Msg{Raw: reportMail("p-2")})
	c.handle(ctx, <-out)
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run after cancel: %v", err)
	}
	c.exactlyOnce(t, []string{"p-1", "p-2"})
}

// A message deleted between listing and fetch is skipped, not retried.
func TestDeletedMessageSkipped(t *testing.T) {
	f := gmailtest.New(box, other)
	defer f.Close()
	fx := fill(f, 3, "a", day)
	cfg := testConfig(t, f)
	f.Delete(box, fx.byReport["a-0001"])
	c := newConsumer()
	if err := c.run(t, newSource(t, cfg, gmail.Options{}, nil)); err != nil {
		t.Fatal(err)
	}
	c.exactlyOnce(t, []string{"a-0000", "a-0002"})
	if st := readState(t, cfg); strings.Contains(st, "retry") {
		t.Errorf("deleted message kept for retry: %s", st)
	}
}

// Mark-read and archive happen only when configured, and only to
// delivered mail.
func TestMarkReadAndArchive(t *testing.T) {
	f := gmailtest.New(box, other)
	defer f.Close()
	fx := fill(f, 3, "a", day)
	cfg := testConfig(t, f)
	cfg.MarkRead, cfg.Archive = true, true
	c := newConsumer()
	reg := prometheus.NewRegistry()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	defer tr.CloseIdleConnections()
	src, err := gmail.New(context.Background(), cfg, gmail.Options{Transport: tr}, nil, reg)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.run(t, src); err != nil {
		t.Fatal(err)
	}
	c.exactlyOnce(t, fx.reports)
	want := `# HELP dmarc_agent_gmail_messages_total Gmail messages handled, by outcome (delivered, rejected, retry, skipped).
# TYPE dmarc_agent_gmail_messages_total counter
dmarc_agent_gmail_messages_total{outcome="delivered"} 3
dmarc_agent_gmail_messages_total{outcome="rejected"} 2
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "dmarc_agent_gmail_messages_total"); err != nil {
		t.Error(err)
	}
	for _, id := range fx.byReport {
		if got := f.Labels(box, id); !slices.Equal(got, []string{"dmarc/processed"}) {
			t.Errorf("delivered %s: labels %v, want only dmarc/processed", id, got)
		}
	}
	for _, id := range fx.noReport {
		if got := f.Labels(box, id); !slices.Equal(got, []string{"INBOX", "UNREAD", "dmarc/failed"}) {
			t.Errorf("rejected %s: labels %v", id, got)
		}
	}
}

// At most `concurrency` message fetches run at once, and the request
// budget paces the whole run.
func TestConcurrencyAndBudget(t *testing.T) {
	f := gmailtest.New(box, other)
	defer f.Close()
	fx := fill(f, 40, "a", day)
	cfg := testConfig(t, f)
	cfg.Concurrency = 2
	c := newConsumer()
	if err := c.run(t, newSource(t, cfg, gmail.Options{}, nil)); err != nil {
		t.Fatal(err)
	}
	c.exactlyOnce(t, fx.reports)
	if p := f.Peak("users.messages.get"); p > 2 || p < 1 {
		t.Errorf("messages.get in flight at once: %d, want 1..2", p)
	}

	f2 := gmailtest.New(box, other)
	defer f2.Close()
	fill(f2, 5, "a", day)
	cfg = testConfig(t, f2)
	cfg.RequestsPerMinute = 600 // 10 a second, burst 10
	start := time.Now()
	if err := newConsumer().run(t, newSource(t, cfg, gmail.Options{}, nil)); err != nil {
		t.Fatal(err)
	}
	n := f2.TotalCalls()
	if min := time.Duration(n-10) * 100 * time.Millisecond; time.Since(start) < min*9/10 {
		t.Errorf("%d requests took %s; a budget of 600/min needs at least %s", n, time.Since(start), min)
	}
}

func only(fs []gmailtest.Fault, keep func(gmailtest.Fault) bool) []gmailtest.Fault {
	var out []gmailtest.Fault
	for _, f := range fs {
		if keep(f) {
			out = append(out, f)
		}
	}
	return out
}

func TestConfigExampleMatchesDefaults(t *testing.T) {
	cfg, err := loadExample()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := cfg, gmail.DefaultConfig(); got != want {
		t.Errorf("config.example.yaml sources.gmail:\n got %+v\nwant %+v", got, want)
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		mod  func(*gmail.Config)
		want string
	}{
		{"none with google", func(c *gmail.Config) { c.Auth = "none" }, "auth: none"},
		{"oauth without client", func(c *gmail.Config) { c.CredentialsFile = "" }, "credentials_file"},
		{"sa without subject", func(c *gmail.Config) { c.Auth = "service_account" }, "subject"},
		{"no selection", func(c *gmail.Config) { c.Query, c.Label = "", "" }, "query or label"},
		{"bad retry", func(c *gmail.Config) { c.Retry.MaxInterval = time.Millisecond }, "retry"},
		{"bad endpoint", func(c *gmail.Config) { c.Endpoint = "gmail" }, "endpoint"},
		{"ok", func(*gmail.Config) {}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := gmail.DefaultConfig()
			c.Enabled = true
			c.CredentialsFile = "client.json"
			tc.mod(&c)
			err := c.Validate()
			if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
				t.Errorf("Validate() = %v, want %q", err, tc.want)
			}
		})
	}
	c := gmail.DefaultConfig()
	if c.Scope() != gmail.ScopeModify {
		t.Errorf("default scope %s", c.Scope())
	}
	c.ProcessedLabel, c.FailedLabel = "", ""
	if c.Scope() != gmail.ScopeReadonly {
		t.Errorf("scope without labelling %s", c.Scope())
	}
}
