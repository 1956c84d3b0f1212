package senders

import (
	"fmt"

	"github.com/dmarc-agent/dmarc-agent/enrich/psl"
)

// Signals describe one source as seen in one record.
type Signals struct {
	PTR      string   // PTR name, normalised; "" when unknown
	ASN      uint32   // 0 when unknown
	DKIMPass []string // DKIM signing domains whose result was pass
}

// Match is a sender found for some signals.
type Match struct {
	Entry *Entry
	By    string // ByPTR, ByDKIM or ByASN
}

// Catalogue matches signals against user entries and the built-in catalogue.
type Catalogue struct {
	user, builtin index
	forwarders    index // built-in forwarders, by DKIM
	version       string
	size          int
}

// New builds a catalogue from the embedded data plus user entries (marked
// User, type "own" by default).
func New(user []Entry) (*Catalogue, error) {
	builtin, version, err := Builtin()
	if err != nil {
		return nil, err
	}
	var b, fw, u []*Entry
	for i := range builtin {
		e := &builtin[i]
		b = append(b, e)
		if e.Type == TypeForwarder {
			fw = append(fw, e)
		}
	}
	for i, e := range user {
		if e.Name == "" {
			return nil, fmt.Errorf("sender %d: name required", i)
		}
		e.User = true
		if e.Type == "" {
			e.Type = TypeOwn
		}
		u = append(u, &e)
	}
	return &Catalogue{user: newIndex(u), builtin: newIndex(b), forwarders: newIndex(fw),
		version: version, size: len(b)}, nil
}

// Version is the catalogue data version; Size its number of built-in entries.
func (c *Catalogue) Version() string { return c.version }
func (c *Catalogue) Size() int       { return c.size }

// Match identifies the sender. Order, first hit wins:
//  1. user entries, by PTR, then DKIM, then ASN;
//  2. built-in forwarders by DKIM (a list's signature names the relay even
//     when it runs on a big provider's servers);
//  3. built-in entries by PTR (the operator's own naming of the address),
//     then DKIM (a passing signature is proof of who signed), then ASN (the
//     network, which hosting providers share among many customers).
func (c *Catalogue) Match(s Signals) (Match, bool) {
	if m, ok := c.user.match(s); ok {
		return m, true
	}
	for _, d := range s.DKIMPass {
		if e := bySuffix(c.forwarders.dkim, psl.Normalize(d)); e != nil {
			return Match{e, ByDKIM}, true
		}
	}
	return c.builtin.match(s)
}

func (ix index) match(s Signals) (Match, bool) {
	if s.PTR != "" {
		if e := bySuffix(ix.ptr, s.PTR); e != nil {
			return Match{e, ByPTR}, true
		}
	}
	for _, d := range s.DKIMPass {
		if e := bySuffix(ix.dkim, psl.Normalize(d)); e != nil {
			return Match{e, ByDKIM}, true
		}
	}
	if s.ASN != 0 {
		if e := ix.asn[s.ASN]; e != nil {
			return Match{e, ByASN}, true
		}
	}
	return Match{}, false
}
