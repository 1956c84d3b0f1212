package gmailtest

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// systemLabels exist in every mailbox.
var systemLabels = []string{"INBOX", "SPAM", "TRASH", "UNREAD", "STARRED", "IMPORTANT", "SENT", "DRAFT",
	"CATEGORY_PERSONAL", "CATEGORY_SOCIAL", "CATEGORY_PROMOTIONS", "CATEGORY_UPDATES", "CATEGORY_FORUMS"}

type label struct {
	id, name, kind string
}

type message struct {
	id, thread string
	raw        []byte
	root       *part
	facts      facts
	labels     map[string]bool // ids
	internal   time.Time
	historyID  uint64
}

// record is one history entry.
type record struct {
	id        uint64
	kind      string   // messageAdded, labelAdded, labelRemoved
	msg       string   // message id
	changed   []string // label ids added or removed
	msgLabels []string // the message's label ids after the event
}

type mailbox struct {
	email     string
	labels    map[string]*label // by id
	msgs      map[string]*message
	history   []record
	historyID uint64
	minStart  uint64 // startHistoryId below this answers 404
	seq       int
}

func newMailbox(email string) *mailbox {
	b := &mailbox{email: email, labels: map[string]*label{}, msgs: map[string]*message{}, historyID: 1000}
	for _, l := range systemLabels {
		b.labels[l] = &label{id: l, name: l, kind: "system"}
	}
	return b
}

// labelByName finds a label by name (case-insensitive) or system id.
func (b *mailbox) labelByName(name string) *label {
	for _, l := range b.labels {
		if strings.EqualFold(l.name, name) || l.id == name {
			return l
		}
	}
	return nil
}

func (b *mailbox) createLabel(name string) *label {
	b.seq++
	l := &label{id: fmt.Sprintf("Label_%d", b.seq), name: name, kind: "user"}
	b.labels[l.id] = l
	return l
}

func (m *message) labelIDs() []string {
	ids := make([]string, 0, len(m.labels))
	for id := range m.labels {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// view is what queries see.
func (b *mailbox) view(m *message) *msgView {
	v := &msgView{facts: m.facts, internal: m.internal}
	for id := range m.labels {
		v.labels = append(v.labels, searchName(b.labels[id].name))
	}
	return v
}

// sorted returns messages newest first, as messages.list orders them.
func (b *mailbox) sorted() []*message {
	ms := make([]*message, 0, len(b.msgs))
	for _, m := range b.msgs {
		ms = append(ms, m)
	}
	sort.Slice(ms, func(i, j int) bool {
		if !ms[i].internal.Equal(ms[j].internal) {
			return ms[i].internal.After(ms[j].internal)
		}
		return ms[i].id > ms[j].id
	})
	return ms
}

// modify changes a message's labels and records history; reports a change.
func (b *mailbox) modify(m *message, add, remove []string) {
	var added, removed []string
	for _, id := range add {
		if !m.labels[id] {
			m.labels[id] = true
			added = append(added, id)
		}
	}
	for _, id := range remove {
		if m.labels[id] {
			delete(m.labels, id)
			removed = append(removed, id)
		}
	}
	if len(added) > 0 {
		b.historyID++
		m.historyID = b.historyID
		b.history = append(b.history, record{id: b.historyID, kind: "labelAdded", msg: m.id, changed: added, msgLabels: m.labelIDs()})
	}
	if len(removed) > 0 {
		b.historyID++
		m.historyID = b.historyID
		b.history = append(b.history, record{id: b.historyID, kind: "labelRemoved", msg: m.id, changed: removed, msgLabels: m.labelIDs()})
	}
}

// Msg is a message to put in a mailbox.
type Msg struct {
	Raw []byte
	// Labels are label names or system ids (INBOX, UNREAD); missing user
	// labels are created. Default: INBOX and UNREAD.
	Labels []string
	// Date is the internalDate; default now.
	Date time.Time
}

// Add delivers a message to the mailbox of user and returns its id. It
// appears in history as messageAdded.
func (s *Server) Add(user string, m Msg) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.box(user)
	if m.Labels == nil {
		m.Labels = []string{"INBOX", "UNREAD"}
	}
	if m.Date.IsZero() {
		m.Date = time.Now()
	}
	b.seq++
	b.historyID++
	root := parseMessage(m.Raw)
	msg := &message{
		id: fmt.Sprintf("%016x", 0x18c0000000000000+uint64(b.seq)), raw: m.Raw, root: root, facts: factsOf(root),
		labels: map[string]bool{}, internal: m.Date.Truncate(time.Millisecond), historyID: b.historyID,
	}
	msg.thread = msg.id
	for _, name := range m.Labels {
		l := b.labelByName(name)
		if l == nil {
			l = b.createLabel(name)
		}
		msg.labels[l.id] = true
	}
	n := 0
	root.walk(func(p *part) {
		if p.filename != "" {
			n++
			p.attID = fmt.Sprintf("ANGjdJ_%s_%d_%s", msg.id, n, strings.Repeat("x", 40))
		}
	})
	b.msgs[msg.id] = msg
	b.history = append(b.history, record{id: b.historyID, kind: "messageAdded", msg: msg.id, msgLabels: msg.labelIDs()})
	return msg.id
}

// Label adds a label (by name, created if missing) to a message, as a user
// or a filter would; history records labelAdded.
func (s *Server) Label(user, id, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.box(user)
	l := b.labelByName(name)
	if l == nil {
		l = b.createLabel(name)
	}
	b.modify(b.msgs[id], []string{l.id}, nil)
}

// Labels returns the label names of a message, sorted.
func (s *Server) Labels(user, id string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.box(user)
	m := b.msgs[id]
	if m == nil {
		return nil
	}
	var names []string
	for lid := range m.labels {
		names = append(names, b.labels[lid].name)
	}
	sort.Strings(names)
	return names
}

// Delete removes a message (as emptying the trash would).
func (s *Server) Delete(user, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.box(user).msgs, id)
}

// ExpireHistory makes every history id issued so far too old: history.list
// from any of them answers 404, as after about a week in Gmail.
func (s *Server) ExpireHistory(user string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.box(user)
	b.historyID += 10
	b.minStart = b.historyID
	b.history = nil
}

// HistoryID is a mailbox's current history id.
func (s *Server) HistoryID(user string) uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.box(user).historyID
}

func (s *Server) box(user string) *mailbox {
	b := s.boxes[user]
	if b == nil {
		panic("gmailtest: no mailbox " + user)
	}
	return b
}
