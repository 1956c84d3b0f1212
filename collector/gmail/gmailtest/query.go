package gmailtest

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The fake understands this subset of Gmail's search syntax:
//
//	terms joined by spaces (AND), OR between terms, -term (NOT), ( ) groups,
//	{ } groups (any of), "quoted phrases", and the operators
//	label: (names compared lower case with spaces and slashes as dashes, as
//	  Gmail's search does; system labels by id: label:inbox),
//	subject:, from:, to: (case-insensitive substring),
//	filename: (case-insensitive substring of any attachment name; Gmail
//	  matches names and extensions, which a substring approximates),
//	has:attachment, in:inbox|spam|trash|anywhere, is:unread|read,
//	after:, before: (epoch seconds, or YYYY/MM/DD read as UTC midnight,
//	  where Gmail uses Pacific time; after: is inclusive here),
//	rfc822msgid: (exact, brackets optional).
//
// A bare word matches subject or sender. Any other operator is a 400 error,
// so a query outside the subset fails loudly instead of matching wrongly.

// msgView is what a query is evaluated against.
type msgView struct {
	facts    facts
	labels   []string // label names, search-normalised, and system ids lower case
	internal time.Time
}

type node func(*msgView) bool

type parser struct {
	toks []string
	pos  int
	err  error
}

// parseQuery compiles q; the empty query matches everything.
func parseQuery(q string) (node, error) {
	p := &parser{toks: tokenize(q)}
	if len(p.toks) == 0 {
		return func(*msgView) bool { return true }, nil
	}
	n := p.and("")
	if p.err == nil && p.pos < len(p.toks) {
		p.err = fmt.Errorf("unexpected %q", p.toks[p.pos])
	}
	if p.err != nil {
		return nil, fmt.Errorf("invalid query %q: %w", q, p.err)
	}
	return n, nil
}

// tokenize splits into ( ) { } - OR, words and op:"quoted values".
func tokenize(q string) []string {
	var toks []string
	i := 0
	for i < len(q) {
		c := q[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			i++
		case strings.IndexByte("(){}", c) >= 0:
			toks = append(toks, string(c))
			i++
		case c == '-' && i+1 < len(q) && q[i+1] != ' ':
			toks = append(toks, "-")
			i++
		default:
			j := i
			for j < len(q) {
				if q[j] == '"' {
					k := strings.IndexByte(q[j+1:], '"')
					if k < 0 {
						j = len(q)
						break
					}
					j += k + 2
					continue
				}
				if strings.IndexByte(" \t\n(){}", q[j]) >= 0 {
					break
				}
				j++
			}
			toks = append(toks, q[i:j])
			i = j
		}
	}
	return toks
}

func (p *parser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return ""
}

// and parses terms until end (")" or "}" or the end of input).
func (p *parser) and(end string) node {
	var ns []node
	for p.err == nil && p.pos < len(p.toks) && p.peek() != end {
		if p.peek() == ")" || p.peek() == "}" {
			p.err = fmt.Errorf("unbalanced %q", p.peek())
			return nil
		}
		if p.peek() == "AND" {
			p.pos++
			continue
		}
		ns = append(ns, p.or())
	}
	return func(m *msgView) bool {
		for _, n := range ns {
			if !n(m) {
				return false
			}
		}
		return true
	}
}

func (p *parser) or() node {
	ns := []node{p.unary()}
	for p.err == nil && p.peek() == "OR" {
		p.pos++
		ns = append(ns, p.unary())
	}
	if len(ns) == 1 {
		return ns[0]
	}
	return anyOf(ns)
}

func anyOf(ns []node) node {
	return func(m *msgView) bool {
		for _, n := range ns {
			if n(m) {
				return true
			}
		}
		return false
	}
}

func (p *parser) unary() node {
	if p.err != nil {
		return nil
	}
	switch t := p.peek(); t {
	case "":
		p.err = fmt.Errorf("missing term")
		return nil
	case "-":
		p.pos++
		n := p.unary()
		return func(m *msgView) bool { return !n(m) }
	case "(":
		p.pos++
		n := p.and(")")
		if p.peek() != ")" {
			p.err = fmt.Errorf("missing )")
		}
		p.pos++
		return n
	case "{":
		p.pos++
		var ns []node
		for p.err == nil && p.pos < len(p.toks) && p.peek() != "}" {
			ns = append(ns, p.unary())
		}
		if p.peek() != "}" {
			p.err = fmt.Errorf("missing }")
		}
		p.pos++
		return anyOf(ns)
	default:
		p.pos++
		n, err := term(t)
		if err != nil {
			p.err = err
		}
		return n
	}
}

// term compiles one word or operator.
func term(t string) (node, error) {
	op, val, isOp := strings.Cut(t, ":")
	if !isOp || strings.HasPrefix(t, "\"") {
		w := strings.ToLower(strings.Trim(t, `"`))
		return func(m *msgView) bool {
			return strings.Contains(strings.ToLower(m.facts.subject), w) || strings.Contains(strings.ToLower(m.facts.from), w)
		}, nil
	}
	val = strings.Trim(val, `"`)
	lv := strings.ToLower(val)
	contains := func(field func(*msgView) string) node {
		return func(m *msgView) bool { return strings.Contains(strings.ToLower(field(m)), lv) }
	}
	switch strings.ToLower(op) {
	case "label":
		want := searchName(val)
		return func(m *msgView) bool { return hasString(m.labels, want) }, nil
	case "in":
		switch lv {
		case "anywhere":
			return func(*msgView) bool { return true }, nil
		case "inbox", "spam", "trash", "sent", "drafts":
			want := strings.TrimSuffix(lv, "s")
			if lv == "drafts" {
				want = "draft"
			}
			return func(m *msgView) bool { return hasString(m.labels, want) }, nil
		}
	case "is":
		switch lv {
		case "unread":
			return func(m *msgView) bool { return hasString(m.labels, "unread") }, nil
		case "read":
			return func(m *msgView) bool { return !hasString(m.labels, "unread") }, nil
		}
	case "subject":
		return contains(func(m *msgView) string { return m.facts.subject }), nil
	case "from":
		return contains(func(m *msgView) string { return m.facts.from }), nil
	case "to":
		return contains(func(m *msgView) string { return m.facts.to }), nil
	case "filename":
		return func(m *msgView) bool {
			for _, f := range m.facts.filenames {
				if strings.Contains(strings.ToLower(f), lv) {
					return true
				}
			}
			return false
		}, nil
	case "has":
		if lv == "attachment" {
			return func(m *msgView) bool { return len(m.facts.filenames) > 0 }, nil
		}
	case "rfc822msgid":
		want := strings.Trim(val, "<>")
		return func(m *msgView) bool { return m.facts.messageID != "" && strings.EqualFold(m.facts.messageID, want) }, nil
	case "after", "before":
		at, err := parseDate(val)
		if err != nil {
			return nil, err
		}
		if strings.ToLower(op) == "after" {
			return func(m *msgView) bool { return !m.internal.Before(at) }, nil
		}
		return func(m *msgView) bool { return m.internal.Before(at) }, nil
	}
	return nil, fmt.Errorf("operator %q is not supported by the fake", t)
}

func parseDate(v string) (time.Time, error) {
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.Unix(n, 0), nil
	}
	for _, layout := range []string{"2006/01/02", "2006-01-02", "2006/1/2"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("bad date %q", v)
}

// searchName is a label name as search operators write it.
func searchName(name string) string {
	return strings.NewReplacer(" ", "-", "/", "-").Replace(strings.ToLower(name))
}

func hasString(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
