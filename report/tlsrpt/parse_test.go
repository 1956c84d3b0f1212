package tlsrpt

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestParseGolden compares every field of each parsed fixture with
// testdata/<name>.golden.json.
func TestParseGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/tls_*.json")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, ".golden.json") {
			continue
		}
		n++
		t.Run(filepath.Base(f), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := Parse(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			got, _ := json.MarshalIndent(rep, "", "  ")
			got = append(got, '\n')
			golden := strings.TrimSuffix(f, ".json") + ".golden.json"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("report differs from %s:\n got %s\nwant %s", golden, got, want)
			}
		})
	}
	if n < 3 {
		t.Fatalf("only %d fixtures", n)
	}
}

func TestSessions(t *testing.T) {
	b, err := os.ReadFile("testdata/tls_failures.json")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if s, f := rep.Sessions(); s != 882 || f != 17 {
		t.Errorf("sessions = %d, %d; want 882, 17", s, f)
	}
}

func TestParseRejects(t *testing.T) {
	const dr = `"date-range":{"start-datetime":"2026-11-20T00:00:00Z","end-datetime":"2026-11-20T23:59:59Z"}`
	const pol = `"policies":[{"policy":{"policy-type":"sts","policy-domain":"example.com"},"summary":{"total-successful-session-count":1,"total-failure-session-count":0}}]`
	for _, tc := range []struct{ name, in, want string }{
		{"empty", ``, "not RFC 8460 JSON"},
		{"not json", `<feedback/>`, "not RFC 8460 JSON"},
		{"array", `[]`, "not RFC 8460 JSON"},
		{"truncated", `{"report-id":"x",` + dr, "not RFC 8460 JSON"},
		{"no report id", `{` + dr + `,` + pol + `}`, "no report-id"},
		{"blank report id", `{"report-id":"  ",` + dr + `,` + pol + `}`, "no report-id"},
		{"no date range", `{"report-id":"r1",` + pol + `}`, "r1: no date-range"},
		{"bad start", `{"report-id":"r1","date-range":{"start-datetime":"2026-11-20","end-datetime":"2026-11-20T23:59:59Z"},` + pol + `}`, `start-datetime: "2026-11-20" is not an RFC 3339 date-time`},
		{"year zero", `{"report-id":"r1","date-range":{"start-datetime":"0000-01-01T00:00:00+01:00","end-datetime":"0000-01-01T00:00:00Z"},` + pol + `}`, "out of range"},
		{"far future", `{"report-id":"r1","date-range":{"start-datetime":"2026-11-20T00:00:00Z","end-datetime":"9999-12-31T23:59:59Z"},` + pol + `}`, "end-datetime: \"9999-12-31T23:59:59Z\" is out of range"},
		{"missing end", `{"report-id":"r1","date-range":{"start-datetime":"2026-11-20T00:00:00Z"},` + pol + `}`, "end-datetime: missing"},
		{"end before start", `{"report-id":"r1","date-range":{"start-datetime":"2026-11-21T00:00:00Z","end-datetime":"2026-11-20T00:00:00Z"},` + pol + `}`, "is before start-datetime"},
		{"no policies", `{"report-id":"r1",` + dr + `}`, "r1: no policies"},
		{"empty policies", `{"report-id":"r1",` + dr + `,"policies":[]}`, "r1: no policies"},
		{"no policy object", `{"report-id":"r1",` + dr + `,"policies":[{"summary":{}}]}`, "policy 1: no policy object"},
		{"negative summary", `{"report-id":"r1",` + dr + `,"policies":[{"policy":{"policy-domain":"e.com"},"summary":{"total-successful-session-count":-1}}]}`, "negative session count"},
		{"negative failure count", `{"report-id":"r1",` + dr + `,"policies":[{"policy":{"policy-domain":"e.com"},"failure-details":[{"failed-session-count":-2}]}]}`, "negative failed-session-count"},
		{"count not a number", `{"report-id":"r1",` + dr + `,"policies":[{"policy":{"policy-domain":"e.com"},"summary":{"total-successful-session-count":"many"}}]}`, "is not an integer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := Parse(strings.NewReader(tc.in))
			if err == nil {
				t.Fatalf("accepted: %+v", rep)
			}
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q: want a one-line ErrInvalid naming %q", err, tc.want)
			}
		})
	}
}

// TestParseLenient: optional fields missing, nulls, single strings for
// arrays.
func TestParseLenient(t *testing.T) {
	rep, err := Parse(strings.NewReader(`{"report-id":"r","organization-name":null,"date-range":{"start-datetime":"2026-11-20T00:00:00Z","end-datetime":"2026-11-20T00:00:00Z"},
		"policies":[{"policy":{"policy-domain":"example.com","mx-host":null,"policy-string":[" a ",""]},"failure-details":[{"result-type":"sts-webpki-invalid","failure-reason-code":42}]}],"extra":{"x":1}}`))
	if err != nil {
		t.Fatal(err)
	}
	p := rep.Policies[0]
	if rep.OrgName != "" || p.Type != "" || p.MXHosts != nil || len(p.Strings) != 1 || p.Strings[0] != "a" ||
		p.Successful != 0 || p.Failed != 0 || p.Failures[0].FailureReasonCode != "42" || p.Failures[0].FailedSessionCount != 0 {
		t.Errorf("got %+v", rep)
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("unexpected EOF") }

func TestParseReadError(t *testing.T) {
	_, err := Parse(failingReader{})
	if err == nil || errors.Is(err, ErrInvalid) || err.Error() != "reading SMTP TLS report: unexpected EOF" {
		t.Fatalf("err = %v", err)
	}
}
