package gmailtest

import (
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

func (s *Server) profile(w http.ResponseWriter, _ *http.Request, b *mailbox, _ grant) {
	s.mu.Lock()
	defer s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"emailAddress": b.email, "messagesTotal": len(b.msgs), "threadsTotal": len(b.msgs),
		"historyId": strconv.FormatUint(b.historyID, 10),
	})
}

func labelJSON(l *label) map[string]any {
	out := map[string]any{"id": l.id, "name": l.name, "type": l.kind}
	if l.kind == "user" {
		out["labelListVisibility"] = "labelShow"
		out["messageListVisibility"] = "show"
	}
	return out
}

func (s *Server) labelsList(w http.ResponseWriter, _ *http.Request, b *mailbox, _ grant) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(b.labels))
	for id := range b.labels {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var ls []map[string]any
	for _, id := range ids {
		ls = append(ls, labelJSON(b.labels[id]))
	}
	writeJSON(w, http.StatusOK, map[string]any{"labels": ls})
}

func (s *Server) labelsCreate(w http.ResponseWriter, r *http.Request, b *mailbox, _ grant) {
	var req struct {
		Name string `json:"name"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || strings.TrimSpace(req.Name) == "" {
		apiError(w, http.StatusBadRequest, "invalidArgument", "Invalid label name")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if b.labelByName(req.Name) != nil {
		apiError(w, http.StatusConflict, "duplicate", "Label name exists or conflicts")
		return
	}
	writeJSON(w, http.StatusOK, labelJSON(b.createLabel(req.Name)))
}

func (s *Server) historyList(w http.ResponseWriter, r *http.Request, b *mailbox, _ grant) {
	q := r.URL.Query()
	start, err := strconv.ParseUint(q.Get("startHistoryId"), 10, 64)
	if err != nil {
		apiError(w, http.StatusBadRequest, "invalidArgument", "startHistoryId: required")
		return
	}
	off, ok := parsePageToken(q.Get("pageToken"))
	if !ok {
		apiError(w, http.StatusBadRequest, "invalidArgument", "Invalid pageToken")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if start < b.minStart {
		apiError(w, http.StatusNotFound, "notFound", "Requested entity was not found.")
		return
	}
	types := q["historyTypes"]
	labelID := q.Get("labelId")
	var hits []map[string]any
	for _, rec := range b.history {
		if rec.id <= start || (len(types) > 0 && !hasString(types, rec.kind)) ||
			(labelID != "" && !hasString(rec.msgLabels, labelID)) {
			continue
		}
		msg := map[string]any{"id": rec.msg, "threadId": rec.msg, "labelIds": rec.msgLabels}
		h := map[string]any{"id": strconv.FormatUint(rec.id, 10), "messages": []any{map[string]any{"id": rec.msg, "threadId": rec.msg}}}
		switch rec.kind {
		case "messageAdded":
			h["messagesAdded"] = []any{map[string]any{"message": msg}}
		case "labelAdded":
			h["labelsAdded"] = []any{map[string]any{"message": msg, "labelIds": rec.changed}}
		case "labelRemoved":
			h["labelsRemoved"] = []any{map[string]any{"message": msg, "labelIds": rec.changed}}
		}
		hits = append(hits, h)
	}
	resp := map[string]any{"historyId": strconv.FormatUint(b.historyID, 10)}
	n := pageSize(r)
	if off < len(hits) {
		end := min(off+n, len(hits))
		resp["history"] = hits[off:end]
		if end < len(hits) {
			resp["nextPageToken"] = pageToken(end)
		}
	}
	writeJSON(w, http.StatusOK, resp)
}
