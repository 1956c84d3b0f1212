package gmailtest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
)

// FaultKind is what an injected fault does.
type FaultKind int

const (
	// TooManyRequests answers 429 rateLimitExceeded, with Retry-After when set.
	TooManyRequests FaultKind = iota
	// RateLimited answers 403 userRateLimitExceeded.
	RateLimited
	// ServerError answers 500 backendError.
	ServerError
	// DropMidBody performs the call, then sends the headers and half the
	// body and closes the connection.
	DropMidBody
)

// Fault is injected into calls of RPC ("users.messages.get"; "" for any).
type Fault struct {
	RPC  string
	Kind FaultKind
	// Times is how many calls it hits (default 1); Skip lets that many
	// matching calls through first.
	Times, Skip int
	// RetryAfter is the Retry-After header in seconds (TooManyRequests).
	RetryAfter int
}

// Inject queues faults; each hits the next matching calls.
func (s *Server) Inject(fs ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range fs {
		if f.Times <= 0 {
			f.Times = 1
		}
		s.faults = append(s.faults, &f)
	}
}

// Pending returns how many injected fault hits have not happened yet.
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, f := range s.faults {
		n += f.Times
	}
	return n
}

// takeFault returns the fault for this call, if any; s.mu is held.
func (s *Server) takeFault(rpc string) *Fault {
	for i, f := range s.faults {
		if f.RPC != "" && f.RPC != rpc {
			continue
		}
		if f.Skip > 0 {
			f.Skip--
			return nil
		}
		f.Times--
		if f.Times == 0 {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
		}
		return f
	}
	return nil
}

func (f *Fault) write(w http.ResponseWriter) {
	switch f.Kind {
	case TooManyRequests:
		if f.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfter))
		}
		apiError(w, http.StatusTooManyRequests, "rateLimitExceeded", "Too many concurrent requests for user (fake)")
	case RateLimited:
		apiError(w, http.StatusForbidden, "userRateLimitExceeded", "User-rate limit exceeded (fake)")
	default:
		apiError(w, http.StatusInternalServerError, "backendError", "Backend Error (fake)")
	}
}

// dropMidBody writes the recorded answer's status, headers and half of its
// body, announcing the full length, then closes the connection.
func dropMidBody(w http.ResponseWriter, rec *httptest.ResponseRecorder) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("gmailtest: response writer cannot be hijacked")
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	body := rec.Body.Bytes()
	fmt.Fprintf(buf, "HTTP/1.1 %d %s\r\n", rec.Code, http.StatusText(rec.Code))
	for k, vs := range rec.Header() {
		for _, v := range vs {
			fmt.Fprintf(buf, "%s: %s\r\n", k, v)
		}
	}
	fmt.Fprintf(buf, "Content-Length: %d\r\n\r\n", len(body)+1)
	buf.Write(body[:len(body)/2])
	buf.Flush()
}
