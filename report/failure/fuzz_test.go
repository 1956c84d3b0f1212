package failure_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/dmarc-agent/dmarc-agent/mapping"
	"github.com/dmarc-agent/dmarc-agent/report/failure"
)

// FuzzFailureParse: Parse never panics; a report it accepts has a domain, a
// source and the auth-failure type, builds into a document that encodes to
// valid JSON, and parses to the same id twice.
func FuzzFailureParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.e*")
	mbox, _ := filepath.Glob("testdata/*.mbox")
	for _, p := range append(files, mbox...) {
		if strings.HasSuffix(p, ".json") {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("Content-Type: text/plain\n\nFeedback-Type: auth-failure\nSource-IP: 192.0.2.1\nReported-Domain: e.com\n"))
	f.Add([]byte("Content-Type: multipart/report; boundary=\"\"\n\n--\n--\n"))
	f.Add([]byte("Content-Type: message/rfc822\n\nContent-Type: message/rfc822\n\nContent-Type: multipart/report; boundary=a\n\n--a\n"))
	f.Add([]byte("From \n\nSubject: =?x-unknown?B?////?=\n"))
	received := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	cfg := failure.DefaultConfig()
	f.Fuzz(func(t *testing.T, b []byte) {
		rep, err := failure.Parse(bytes.NewReader(b), received)
		if err != nil {
			if !errors.Is(err, failure.ErrInvalid) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %q is not a one-line ErrInvalid", err)
			}
			return
		}
		if rep.ReportedDomain == "" || !rep.SourceIP.IsValid() || rep.FeedbackType != "auth-failure" {
			t.Fatalf("accepted without domain/source/type: %+v", rep)
		}
		doc, index, id := mapping.BuildFailure("dmarc", rep, cfg)
		if !strings.HasPrefix(index, "dmarc-failure-") || len(id) != 32 {
			t.Fatalf("index %q id %q", index, id)
		}
		js, err := json.Marshal(doc)
		if err != nil || !utf8.Valid(js) || doc.Message.Body != "" {
			t.Fatalf("document: %v %q", err, js)
		}
		rep2, err := failure.Parse(bytes.NewReader(b), received.Add(time.Hour))
		if err != nil {
			t.Fatalf("second parse: %v", err)
		}
		if _, _, id2 := mapping.BuildFailure("dmarc", rep2, cfg); id2 != id {
			t.Fatalf("id %s then %s", id, id2)
		}
	})
}
