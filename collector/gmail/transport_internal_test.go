package gmail

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestClassify(t *testing.T) {
	rt := &retryTransport{policy: RetryConfig{InitialInterval: time.Second, MaxInterval: 8 * time.Second, MaxAttempts: 5}, maxRetryAfter: time.Minute}
	resp := func(code int, retryAfter string) *http.Response {
		h := http.Header{}
		if retryAfter != "" {
			h.Set("Retry-After", retryAfter)
		}
		return &http.Response{StatusCode: code, Header: h}
	}
	for _, tc := range []struct {
		name  string
		resp  *http.Response
		body  string
		retry bool
		wait  time.Duration // exact when > 0
	}{
		{"429 with Retry-After", resp(429, "3"), "", true, 3 * time.Second},
		{"Retry-After capped", resp(503, "3600"), "", true, time.Minute},
		{"500", resp(500, ""), "", true, 0},
		{"403 userRateLimitExceeded", resp(403, ""), `{"error":{"errors":[{"reason":"userRateLimitExceeded"}]}}`, true, 0},
		{"403 RATE_LIMIT_EXCEEDED detail", resp(403, ""), `{"error":{"details":[{"reason":"RATE_LIMIT_EXCEEDED"}]}}`, true, 0},
		{"403 forbidden", resp(403, ""), `{"error":{"errors":[{"reason":"insufficientPermissions"}]}}`, false, 0},
		{"404", resp(404, ""), "", false, 0},
		{"400", resp(400, ""), "", false, 0},
		{"200", resp(200, ""), "", false, 0},
	} {
		retry, wait := rt.classify(tc.resp, []byte(tc.body), nil, 1)
		if retry != tc.retry || (tc.wait > 0 && wait != tc.wait) {
			t.Errorf("%s: retry %v wait %s; want %v %s", tc.name, retry, wait, tc.retry, tc.wait)
		}
	}
	if retry, _ := rt.classify(nil, nil, context.DeadlineExceeded, 1); !retry {
		t.Error("network error not retried")
	}
	for attempt := 1; attempt <= 8; attempt++ {
		d := rt.backoff(attempt)
		ceil := min(time.Second<<(attempt-1), 8*time.Second)
		if d < ceil/2 || d > ceil {
			t.Errorf("backoff(%d) = %s, want within [%s, %s]", attempt, d, ceil/2, ceil)
		}
	}
}

// The budget lets a burst of one second's worth through, then paces.
func TestLimiterBudget(t *testing.T) {
	l := newLimiter(120) // 2 a second, burst 2
	now := time.Unix(0, 0)
	l.now = func() time.Time { return now }
	ctx := context.Background()
	for i := range 2 {
		if err := l.wait(ctx); err != nil {
			t.Fatalf("burst %d: %v", i, err)
		}
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := l.wait(short); err == nil {
		t.Fatal("a third request within the same instant was let through")
	}
	now = now.Add(500 * time.Millisecond) // one token back
	if err := l.wait(ctx); err != nil {
		t.Fatalf("after half a second: %v", err)
	}
}

func TestParsePasted(t *testing.T) {
	for _, tc := range []struct {
		in, want, err string
	}{
		{"4/0AbCd", "4/0AbCd", ""},
		{"http://127.0.0.1/?state=S&code=4%2F0Ab&scope=x", "4/0Ab", ""},
		{"http://localhost?code=C1&state=S", "C1", ""},
		{"?code=C2&state=S", "C2", ""},
		{"code=C3&state=S", "C3", ""},
		{"http://localhost/?code=C1&state=T", "", "state does not match"},
		{"http://localhost/?code=C1", "", "state does not match"},
		{"http://localhost/?error=access_denied&state=S", "", "consent refused"},
		{"http://localhost/?state=S&code=", "", "no code"},
		{"some words here", "", "neither"},
	} {
		got, err := parsePasted(tc.in, "S")
		if got != tc.want || (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("parsePasted(%q) = %q, %v; want %q, %q", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestSearchLabel(t *testing.T) {
	for in, want := range map[string]string{"dmarc/processed": "dmarc-processed", "DMARC Failed": "dmarc-failed", "x": "x"} {
		if got := searchLabel(in); got != want {
			t.Errorf("searchLabel(%q) = %q, want %q", in, got, want)
		}
	}
}
