// Package gmailtest is an in-process fake of the Gmail REST API (the parts
// dmarc-agent uses) and of Google's OAuth token endpoint, for tests that run
// the real google.golang.org/api/gmail/v1 client against it.
//
// It serves users.getProfile, labels.list/create, messages.list (paging with
// nextPageToken, q and labelIds filtering; see query.go for the search
// subset), messages.get (raw, full, metadata, minimal; base64url bodies;
// attachment ids), attachments.get, messages.batchModify (at most 1,000 ids,
// 400 above) and history.list (404 for an expired startHistoryId). Faults can
// be injected per call (429 with Retry-After, 403 rate limits, 500s, a
// connection dropped in the middle of a body), quota units are counted per
// mailbox as Gmail counts them, and every mailbox a request touches is
// recorded so tests can prove that other mailboxes were left alone.
package gmailtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Units are Gmail's quota units per call.
var Units = map[string]int{
	"users.getProfile":               1,
	"users.labels.list":              1,
	"users.labels.create":            5,
	"users.messages.list":            5,
	"users.messages.get":             5,
	"users.messages.attachments.get": 5,
	"users.messages.batchModify":     50,
	"users.history.list":             2,
}

// Server is the fake. Create it with New and Close it after use.
type Server struct {
	URL string
	srv *httptest.Server

	mu      sync.Mutex
	primary string
	boxes   map[string]*mailbox
	faults  []*Fault
	calls   map[string]int // by rpc
	units   map[string]int // by mailbox
	touched map[string]int // by mailbox
	maxIDs  int            // largest batchModify id count seen
	active  map[string]int // requests in flight, by rpc
	peak    map[string]int // most requests in flight at once, by rpc
	window  []spent
	oauth   oauthState

	// RequireAuth makes API calls need a bearer token issued by the fake's
	// OAuth endpoint; "me" is then the token's user.
	RequireAuth bool
	// QuotaPerMinute, when positive, answers 429 rateLimitExceeded (with
	// Retry-After) once a mailbox spends more units within a minute.
	QuotaPerMinute int
	// TokenTTL is the lifetime of issued access tokens (default 1h).
	TokenTTL time.Duration
}

type spent struct {
	at    time.Time
	box   string
	units int
}

// New starts a fake holding the mailbox primary (what "me" means without
// authentication) and the other mailboxes named.
func New(primary string, others ...string) *Server {
	s := &Server{
		primary:  primary,
		boxes:    map[string]*mailbox{},
		calls:    map[string]int{},
		units:    map[string]int{},
		touched:  map[string]int{},
		active:   map[string]int{},
		peak:     map[string]int{},
		TokenTTL: time.Hour,
	}
	s.oauth.init()
	for _, u := range append([]string{primary}, others...) {
		s.boxes[u] = newMailbox(u)
	}
	mux := http.NewServeMux()
	api := "/gmail/v1/users/{user}/"
	s.route(mux, "GET "+api+"profile", "users.getProfile", s.profile)
	s.route(mux, "GET "+api+"labels", "users.labels.list", s.labelsList)
	s.route(mux, "POST "+api+"labels", "users.labels.create", s.labelsCreate)
	s.route(mux, "GET "+api+"messages", "users.messages.list", s.messagesList)
	s.route(mux, "GET "+api+"messages/{id}", "users.messages.get", s.messagesGet)
	s.route(mux, "GET "+api+"messages/{id}/attachments/{aid}", "users.messages.attachments.get", s.attachmentsGet)
	s.route(mux, "POST "+api+"messages/batchModify", "users.messages.batchModify", s.batchModify)
	s.route(mux, "GET "+api+"history", "users.history.list", s.historyList)
	mux.HandleFunc("GET /o/oauth2/auth", s.authorize)
	mux.HandleFunc("POST /token", s.token)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		apiError(w, http.StatusNotFound, "notFound", "no such method in the fake: "+r.Method+" "+r.URL.Path)
	})
	s.srv = httptest.NewServer(mux)
	s.URL = s.srv.URL
	return s
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// route wraps a handler with faults, authentication, mailbox resolution and
// quota accounting.
func (s *Server) route(mux *http.ServeMux, pattern, rpc string, h func(http.ResponseWriter, *http.Request, *mailbox, grant)) {
	mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.calls[rpc]++
		s.active[rpc]++
		s.peak[rpc] = max(s.peak[rpc], s.active[rpc])
		f := s.takeFault(rpc)
		s.mu.Unlock()
		defer func() {
			s.mu.Lock()
			s.active[rpc]--
			s.mu.Unlock()
		}()
		if f != nil && f.Kind != DropMidBody {
			f.write(w)
			return
		}
		s.mu.Lock()
		g, box, status, reason, msg := s.resolve(r, rpc)
		if status == 0 {
			s.touched[box.email]++
			s.units[box.email] += Units[rpc]
			if wait, over := s.overQuota(box.email, Units[rpc]); over {
				s.mu.Unlock()
				w.Header().Set("Retry-After", fmt.Sprint(int(wait.Seconds())+1))
				apiError(w, http.StatusTooManyRequests, "rateLimitExceeded", "Quota exceeded for quota metric 'Queries' (fake).")
				return
			}
		}
		s.mu.Unlock()
		if status != 0 {
			apiError(w, status, reason, msg)
			return
		}
		if f != nil { // DropMidBody: do the work, then cut the answer short
			rec := httptest.NewRecorder()
			h(rec, r, box, g)
			dropMidBody(w, rec)
			return
		}
		h(w, r, box, g)
	})
}

// resolve checks the token and maps {user} to a mailbox.
func (s *Server) resolve(r *http.Request, rpc string) (grant, *mailbox, int, string, string) {
	g := grant{user: s.primary, scope: scopeModify}
	if s.RequireAuth {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		gg, valid := s.oauth.tokens[tok]
		if !ok || !valid {
			return g, nil, http.StatusUnauthorized, "authError", "Request had invalid authentication credentials."
		}
		if time.Now().After(gg.expiry) {
			return g, nil, http.StatusUnauthorized, "authError", "Request had invalid authentication credentials (token expired)."
		}
		g = gg
	}
	user := r.PathValue("user")
	if user == "me" {
		user = g.user
	}
	box := s.boxes[user]
	if box == nil {
		return g, nil, http.StatusBadRequest, "invalidArgument", "Invalid user id"
	}
	if s.RequireAuth && user != g.user {
		return g, nil, http.StatusForbidden, "forbidden", "Delegation denied for " + g.user
	}
	if (rpc == "users.messages.batchModify" || rpc == "users.labels.create") && !g.hasScope(scopeModify) {
		return g, nil, http.StatusForbidden, "insufficientPermissions", "Request had insufficient authentication scopes."
	}
	if !g.hasScope(scopeReadonly) && !g.hasScope(scopeModify) {
		return g, nil, http.StatusForbidden, "insufficientPermissions", "Request had insufficient authentication scopes."
	}
	return g, box, 0, "", ""
}

// overQuota adds units to the rolling minute of box; s.mu is held.
func (s *Server) overQuota(box string, units int) (time.Duration, bool) {
	if s.QuotaPerMinute <= 0 {
		return 0, false
	}
	now := time.Now()
	keep := s.window[:0]
	used := 0
	for _, sp := range s.window {
		if now.Sub(sp.at) < time.Minute {
			keep = append(keep, sp)
			if sp.box == box {
				used += sp.units
			}
		}
	}
	s.window = keep
	if used+units > s.QuotaPerMinute {
		oldest := now
		for _, sp := range s.window {
			if sp.box == box && sp.at.Before(oldest) {
				oldest = sp.at
			}
		}
		return time.Minute - now.Sub(oldest), true
	}
	s.window = append(s.window, spent{now, box, units})
	return 0, false
}

// apiError writes Google's JSON error shape.
func apiError(w http.ResponseWriter, code int, reason, msg string) {
	status := map[int]string{400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
		404: "NOT_FOUND", 409: "ALREADY_EXISTS", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE"}[code]
	writeJSON(w, code, map[string]any{"error": map[string]any{
		"code": code, "message": msg, "status": status,
		"errors": []map[string]string{{"message": msg, "domain": "global", "reason": reason}},
	}})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(code)
	w.Write(b)
}
