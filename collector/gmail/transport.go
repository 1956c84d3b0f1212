package gmail

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/dmarc-agent/dmarc-agent/internal/retry"
)

// retryTransport retries what Gmail asks to be retried (429, 403 with a
// rate-limit reason, 5xx) and network faults, including a connection that
// drops in the middle of a response body: it reads every body in full before
// handing the response on. Every attempt takes a token from the request
// budget. It never logs headers, bodies or query strings.
type retryTransport struct {
	next    http.RoundTripper
	budget  *limiter
	policy  RetryConfig
	log     *slog.Logger
	metrics *metrics
	// maxRetryAfter caps a server's Retry-After.
	maxRetryAfter time.Duration
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	for attempt := 1; ; attempt++ {
		if err := t.budget.wait(ctx); err != nil {
			return nil, err
		}
		r := req
		if attempt > 1 {
			r = req.Clone(ctx)
			if req.Body != nil && req.Body != http.NoBody {
				if req.GetBody == nil {
					return nil, fmt.Errorf("gmail %s %s: cannot retry a request whose body cannot be replayed", req.Method, req.URL.Path)
				}
				b, err := req.GetBody()
				if err != nil {
					return nil, err
				}
				r.Body = b
			}
		}
		resp, err := t.next.RoundTrip(r)
		var body []byte
		if err == nil {
			body, err = io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				err = fmt.Errorf("reading response body: %w", err)
			} else {
				resp.Body = io.NopCloser(bytes.NewReader(body))
				resp.ContentLength = int64(len(body))
			}
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		code := "error"
		if err == nil {
			code = strconv.Itoa(resp.StatusCode)
		}
		t.metrics.requests.WithLabelValues(code).Inc()
		retry, wait := t.classify(resp, body, err, attempt)
		if !retry || attempt >= t.policy.MaxAttempts {
			if err != nil {
				return nil, err
			}
			return resp, nil
		}
		t.metrics.retries.Inc()
		t.log.Debug("gmail request retried", "method", req.Method, "path", req.URL.Path, "status", code, "attempt", attempt, "wait", wait.Round(time.Millisecond))
		if err := sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// classify decides whether to retry and how long to wait first.
func (t *retryTransport) classify(resp *http.Response, body []byte, err error, attempt int) (bool, time.Duration) {
	backoff := t.backoff(attempt)
	if err != nil {
		return true, backoff
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode >= 500:
	case resp.StatusCode == http.StatusForbidden && rateLimited(body):
	default:
		return false, 0
	}
	if ra, ok := retry.After(resp.Header.Get("Retry-After"), time.Now()); ok {
		if ra > t.maxRetryAfter {
			ra = t.maxRetryAfter
		}
		return true, ra
	}
	return true, backoff
}

// backoff is the wait before retrying attempt (1 for the first attempt).
func (t *retryTransport) backoff(attempt int) time.Duration {
	return retry.Backoff(t.policy.InitialInterval, t.policy.MaxInterval, attempt-1)
}

// rateLimited reports whether a 403 body names a rate-limit reason.
func rateLimited(body []byte) bool {
	var e struct {
		Error struct {
			Errors []struct {
				Reason string `json:"reason"`
			} `json:"errors"`
			Details []struct {
				Reason string `json:"reason"`
			} `json:"details"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &e) != nil {
		return false
	}
	reasons := make([]string, 0, len(e.Error.Errors)+len(e.Error.Details))
	for _, x := range e.Error.Errors {
		reasons = append(reasons, x.Reason)
	}
	for _, x := range e.Error.Details {
		reasons = append(reasons, x.Reason)
	}
	for _, r := range reasons {
		switch r {
		case "rateLimitExceeded", "userRateLimitExceeded", "RATE_LIMIT_EXCEEDED":
			return true
		}
	}
	return false
}
