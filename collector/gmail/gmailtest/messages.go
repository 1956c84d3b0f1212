package gmailtest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

// pageToken encodes an offset; tokens are opaque to clients.
func pageToken(off int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("offset:" + strconv.Itoa(off)))
}

func parsePageToken(t string) (int, bool) {
	if t == "" {
		return 0, true
	}
	b, err := base64.RawURLEncoding.DecodeString(t)
	if err != nil {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimPrefix(string(b), "offset:"))
	return n, err == nil && n >= 0
}

// pageSize reads maxResults: default 100, at most 500.
func pageSize(r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get("maxResults"))
	if err != nil || n <= 0 {
		return 100
	}
	return min(n, 500)
}

func (s *Server) messagesList(w http.ResponseWriter, r *http.Request, b *mailbox, _ grant) {
	q := r.URL.Query()
	match, err := parseQuery(q.Get("q"))
	if err != nil {
		apiError(w, http.StatusBadRequest, "invalidArgument", err.Error())
		return
	}
	off, ok := parsePageToken(q.Get("pageToken"))
	if !ok {
		apiError(w, http.StatusBadRequest, "invalidArgument", "Invalid pageToken")
		return
	}
	spamTrash := q.Get("includeSpamTrash") == "true"
	s.mu.Lock()
	var hits []map[string]string
	for _, m := range b.sorted() {
		if !spamTrash && (m.labels["SPAM"] || m.labels["TRASH"]) {
			continue
		}
		all := true
		for _, l := range q["labelIds"] {
			if !m.labels[l] {
				all = false
			}
		}
		if all && match(b.view(m)) {
			hits = append(hits, map[string]string{"id": m.id, "threadId": m.thread})
		}
	}
	s.mu.Unlock()
	resp := map[string]any{"resultSizeEstimate": len(hits)}
	n := pageSize(r)
	if off < len(hits) {
		end := min(off+n, len(hits))
		resp["messages"] = hits[off:end]
		if end < len(hits) {
			resp["nextPageToken"] = pageToken(end)
		}
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) messagesGet(w http.ResponseWriter, r *http.Request, b *mailbox, _ grant) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := b.msgs[r.PathValue("id")]
	if m == nil {
		apiError(w, http.StatusNotFound, "notFound", "Requested entity was not found.")
		return
	}
	q := r.URL.Query()
	resp := map[string]any{
		"id": m.id, "threadId": m.thread, "labelIds": m.labelIDs(), "sizeEstimate": len(m.raw),
		"historyId": strconv.FormatUint(m.historyID, 10), "internalDate": strconv.FormatInt(m.internal.UnixMilli(), 10),
		"snippet": snippet(m),
	}
	switch format := q.Get("format"); format {
	case "raw":
		resp["raw"] = base64.URLEncoding.EncodeToString(m.raw)
	case "minimal":
	case "metadata":
		var hs []map[string]string
		for _, h := range m.root.headers {
			if want := q["metadataHeaders"]; len(want) == 0 || containsFold(want, h.Name) {
				hs = append(hs, map[string]string{"name": h.Name, "value": h.Value})
			}
		}
		resp["payload"] = map[string]any{"partId": "", "mimeType": m.root.mimeType, "filename": "", "headers": hs}
	case "", "full":
		resp["payload"] = fullPart(m.root)
	default:
		apiError(w, http.StatusBadRequest, "invalidArgument", "Invalid format: "+format)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// fullPart is a part as format=full shows it: decoded bodies in base64url,
// attachments by id.
func fullPart(p *part) map[string]any {
	hs := make([]map[string]string, 0, len(p.headers))
	for _, h := range p.headers {
		hs = append(hs, map[string]string{"name": h.Name, "value": h.Value})
	}
	body := map[string]any{"size": len(p.body)}
	switch {
	case p.attID != "":
		body["attachmentId"] = p.attID
	case len(p.children) == 0 && len(p.body) > 0:
		body["data"] = base64.URLEncoding.EncodeToString(p.body)
	}
	out := map[string]any{"partId": p.id, "mimeType": p.mimeType, "filename": p.filename, "headers": hs, "body": body}
	if len(p.children) > 0 {
		var cs []map[string]any
		for _, c := range p.children {
			cs = append(cs, fullPart(c))
		}
		out["parts"] = cs
	}
	return out
}

func snippet(m *message) string {
	s := m.facts.subject
	if len(s) > 100 {
		s = s[:100]
	}
	return s
}

func (s *Server) attachmentsGet(w http.ResponseWriter, r *http.Request, b *mailbox, _ grant) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := b.msgs[r.PathValue("id")]
	if m == nil {
		apiError(w, http.StatusNotFound, "notFound", "Requested entity was not found.")
		return
	}
	var found *part
	m.root.walk(func(p *part) {
		if p.attID != "" && p.attID == r.PathValue("aid") {
			found = p
		}
	})
	if found == nil {
		apiError(w, http.StatusBadRequest, "invalidArgument", "Invalid attachment token")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"size": len(found.body), "data": base64.URLEncoding.EncodeToString(found.body)})
}

func (s *Server) batchModify(w http.ResponseWriter, r *http.Request, b *mailbox, _ grant) {
	var req struct {
		IDs    []string `json:"ids"`
		Add    []string `json:"addLabelIds"`
		Remove []string `json:"removeLabelIds"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		apiError(w, http.StatusBadRequest, "invalidArgument", "Invalid JSON payload received.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.maxIDs = max(s.maxIDs, len(req.IDs))
	if len(req.IDs) == 0 {
		apiError(w, http.StatusBadRequest, "invalidArgument", "ids: required")
		return
	}
	if len(req.IDs) > 1000 {
		apiError(w, http.StatusBadRequest, "invalidArgument", "Too many ids specified in the request: at most 1000 are allowed.")
		return
	}
	for _, l := range append(append([]string{}, req.Add...), req.Remove...) {
		if b.labels[l] == nil {
			apiError(w, http.StatusBadRequest, "invalidArgument", "Invalid label: "+l)
			return
		}
	}
	for _, id := range req.IDs {
		if m := b.msgs[id]; m != nil {
			b.modify(m, req.Add, req.Remove)
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

func containsFold(ss []string, s string) bool {
	for _, x := range ss {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
