package gmail_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dmarc-agent/dmarc-agent/collector"
	"github.com/dmarc-agent/dmarc-agent/collector/gmail"
	"github.com/dmarc-agent/dmarc-agent/collector/gmail/gmailtest"
	"github.com/dmarc-agent/dmarc-agent/internal/testreport"
)

const (
	box   = "reports@example.com"
	other = "ceo@example.com"
)

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// reportMail is a report message as Google sends it: a text part and the
// gzipped XML as a base64 attachment.
func reportMail(reportID string) []byte {
	name := "google.com!example.com!1700006400!1700092799!" + reportID + ".xml.gz"
	return mailWith(
		"Report domain: example.com Submitter: google.com Report-ID: "+reportID,
		"<"+reportID+"@google.com>", name, gz(testreport.AggregateXML(reportID)))
}

// mailWith builds a multipart message; attachment may be nil (a text-only
// mail) and msgID "" (no Message-ID header).
func mailWith(subject, msgID, filename string, attachment []byte) []byte {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: noreply-dmarc-support@google.com\r\nTo: %s\r\nSubject: %s\r\nDate: Thu, 16 Nov 2023 00:00:00 +0000\r\n", box, subject)
	if msgID != "" {
		fmt.Fprintf(&b, "Message-ID: %s\r\n", msgID)
	}
	fmt.Fprintf(&b, "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=%q\r\n\r\n", mw.Boundary())
	tw, _ := mw.CreatePart(map[string][]string{"Content-Type": {"text/plain; charset=UTF-8"}})
	io.WriteString(tw, "This is an aggregate report.\r\n")
	if attachment != nil {
		aw, _ := mw.CreatePart(map[string][]string{
			"Content-Type":              {"application/gzip; name=\"" + filename + "\""},
			"Content-Disposition":       {"attachment; filename=\"" + filename + "\""},
			"Content-Transfer-Encoding": {"base64"},
		})
		enc := base64.StdEncoding.EncodeToString(attachment)
		for len(enc) > 76 {
			io.WriteString(aw, enc[:76]+"\r\n")
			enc = enc[76:]
		}
		io.WriteString(aw, enc+"\r\n")
	}
	mw.Close()
	b.Write(body.Bytes())
	return b.Bytes()
}

// plainMail is ordinary mail that the default query does not select.
func plainMail(subject string) []byte {
	return []byte("From: friend@example.org\r\nTo: " + box + "\r\nSubject: " + subject +
		"\r\nMessage-ID: <" + strings.ReplaceAll(subject, " ", ".") + "@example.org>\r\n\r\nHello.\r\n")
}

// reportID extracts the report id of the gzipped aggregate attachment of a
// raw message, or an error when there is none.
func reportID(raw []byte) (string, error) {
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return "", err
	}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || !strings.HasPrefix(mt, "multipart/") {
		return "", errors.New("not multipart")
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err != nil {
			return "", errors.New("no report attachment")
		}
		if p.FileName() == "" {
			continue
		}
		var r io.Reader = p
		if strings.EqualFold(p.Header.Get("Content-Transfer-Encoding"), "base64") {
			r = base64.NewDecoder(base64.StdEncoding, p)
		}
		zr, err := gzip.NewReader(r)
		if err != nil {
			return "", fmt.Errorf("attachment: %w", err)
		}
		var fb struct {
			ReportID string `xml:"report_metadata>report_id"`
		}
		if err := xml.NewDecoder(zr).Decode(&fb); err != nil || fb.ReportID == "" {
			return "", fmt.Errorf("attachment is no aggregate report: %v", err)
		}
		return fb.ReportID, nil
	}
}

// consumer plays the pipeline: it opens each message, finds its report and
// acknowledges. fail may turn an outcome into a transient error.
type consumer struct {
	mu        sync.Mutex
	delivered map[string]int // report id → successful acks
	rejected  map[string]int // gmail id → rejections
	attempts  map[string]int // gmail id → messages seen
	names     map[string]string
	received  map[string]time.Time
	fail      func(gmailID, reportID string, attempt int) error
	ackErrs   []error
}

func newConsumer() *consumer {
	return &consumer{delivered: map[string]int{}, rejected: map[string]int{}, attempts: map[string]int{},
		names: map[string]string{}, received: map[string]time.Time{}}
}

func (c *consumer) handle(ctx context.Context, m collector.Message) {
	c.mu.Lock()
	c.attempts[m.ID]++
	attempt := c.attempts[m.ID]
	c.names[m.ID] = m.Name
	c.received[m.ID] = m.Received
	c.mu.Unlock()
	var o collector.Outcome
	rc, err := m.Open(ctx)
	var rid string
	if err != nil {
		o.Err = err
	} else {
		raw, rerr := io.ReadAll(rc)
		rc.Close()
		if rerr != nil {
			o.Err = rerr
		} else if rid, err = reportID(raw); err != nil {
			o.Err = fmt.Errorf("%w: %v", collector.ErrNoReport, err)
			o.Reason = err.Error()
		}
	}
	if o.Err == nil && c.fail != nil {
		o.Err = c.fail(m.ID, rid, attempt)
	}
	if err := m.Ack(ctx, o); err != nil {
		c.mu.Lock()
		c.ackErrs = append(c.ackErrs, err)
		c.mu.Unlock()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case o.Err == nil:
		c.delivered[rid]++
	case errors.Is(o.Err, collector.ErrNoReport):
		c.rejected[m.ID]++
	}
}

// run runs src in once mode with this consumer and returns Run's error.
func (c *consumer) run(t *testing.T, src *gmail.Source) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out := make(chan collector.Message, 4)
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			for m := range out {
				c.handle(ctx, m)
			}
		})
	}
	err := src.Run(ctx, out, true)
	close(out)
	wg.Wait()
	return err
}

// exactlyOnce checks every report id was delivered exactly once.
func (c *consumer) exactlyOnce(t *testing.T, ids []string) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range ids {
		if n := c.delivered[id]; n != 1 {
			t.Errorf("report %s delivered %d times, want 1", id, n)
		}
	}
	if len(c.delivered) != len(ids) {
		t.Errorf("delivered %d distinct reports, want %d", len(c.delivered), len(ids))
	}
	if len(c.ackErrs) > 0 {
		t.Errorf("ack errors: %v", c.ackErrs)
	}
}

// testConfig points a configuration at the fake, with quick retries.
func testConfig(t *testing.T, f *gmailtest.Server) gmail.Config {
	cfg := gmail.DefaultConfig()
	cfg.Enabled = true
	cfg.Auth = "none"
	cfg.Endpoint = f.URL + "/"
	cfg.StateFile = filepath.Join(t.TempDir(), "gmail-state.json")
	cfg.TokenFile = filepath.Join(t.TempDir(), "gmail-token.json")
	cfg.AckFlushInterval = 20 * time.Millisecond
	cfg.PollInterval = 50 * time.Millisecond
	cfg.RequestsPerMinute = 600000
	cfg.Retry = gmail.RetryConfig{InitialInterval: 5 * time.Millisecond, MaxInterval: 50 * time.Millisecond, MaxAttempts: 8}
	return cfg
}

// newSource builds a source on a transport the test closes.
func newSource(t *testing.T, cfg gmail.Config, opts gmail.Options, log *slog.Logger) *gmail.Source {
	t.Helper()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	opts.Transport = tr
	src, err := gmail.New(context.Background(), cfg, opts, log, nil)
	if err != nil {
		t.Fatalf("gmail.New: %v", err)
	}
	return src
}

// mailboxFixture fills the fake: report mail, selected mail without a
// report, mail outside the selection, and report mail in another mailbox.
type mailboxFixture struct {
	reports  []string          // report ids
	byReport map[string]string // report id → gmail id
	noReport []string          // gmail ids selected by the query, without report
	outside  []string          // gmail ids not selected
}

func fill(f *gmailtest.Server, n int, prefix string, date time.Time) mailboxFixture {
	fx := mailboxFixture{byReport: map[string]string{}}
	for i := range n {
		rid := fmt.Sprintf("%s-%04d", prefix, i)
		fx.reports = append(fx.reports, rid)
		fx.byReport[rid] = f.Add(box, gmailtest.Msg{Raw: reportMail(rid), Date: date.Add(time.Duration(i) * time.Second)})
	}
	fx.noReport = append(fx.noReport,
		f.Add(box, gmailtest.Msg{Raw: mailWith("DMARC "+prefix+" question", "<q-"+prefix+"@example.net>", "", nil), Date: date}),
		f.Add(box, gmailtest.Msg{Raw: mailWith("Report domain: example.com "+prefix+" broken", "<b-"+prefix+"@example.net>", "broken.xml.gz", []byte("not gzip")), Date: date}))
	fx.outside = append(fx.outside,
		f.Add(box, gmailtest.Msg{Raw: plainMail("lunch " + prefix), Date: date}),
		f.Add(box, gmailtest.Msg{Raw: plainMail("invoice " + prefix), Labels: []string{"INBOX"}, Date: date}))
	f.Add(other, gmailtest.Msg{Raw: reportMail("other-" + prefix), Date: date})
	return fx
}

// checkLabels asserts processed on delivered report mail only, failed on
// selected no-report mail only, and mail outside the selection untouched.
func checkLabels(t *testing.T, f *gmailtest.Server, fx mailboxFixture) {
	t.Helper()
	for rid, id := range fx.byReport {
		if got := f.Labels(box, id); !slices.Equal(got, []string{"INBOX", "UNREAD", "dmarc/processed"}) {
			t.Errorf("report %s labels %v, want INBOX UNREAD dmarc/processed", rid, got)
		}
	}
	for _, id := range fx.noReport {
		if got := f.Labels(box, id); !slices.Equal(got, []string{"INBOX", "UNREAD", "dmarc/failed"}) {
			t.Errorf("no-report message %s labels %v, want INBOX UNREAD dmarc/failed", id, got)
		}
	}
	for i, id := range fx.outside {
		want := []string{"INBOX", "UNREAD"}
		if i == 1 {
			want = []string{"INBOX"}
		}
		if got := f.Labels(box, id); !slices.Equal(got, want) {
			t.Errorf("unselected message %s labels %v, want %v", id, got, want)
		}
	}
	if got := f.Touched(); !slices.Equal(got, []string{box}) {
		t.Errorf("mailboxes touched %v, want only %s", got, box)
	}
}

// syncBuffer is a log sink safe for concurrent writers. When wrote is set,
// each Write signals it (without blocking), so a reader can wait for output.
type syncBuffer struct {
	mu    sync.Mutex
	b     bytes.Buffer
	wrote chan struct{}
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.wrote != nil {
		select {
		case s.wrote <- struct{}{}:
		default:
		}
	}
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func readState(t *testing.T, cfg gmail.Config) string {
	t.Helper()
	b, err := os.ReadFile(cfg.StateFile)
	if err != nil {
		t.Fatalf("state file: %v", err)
	}
	return string(b)
}
