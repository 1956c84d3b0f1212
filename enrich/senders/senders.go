// Package senders names the service behind a source: a catalogue of mail
// providers, ESPs, gateways, forwarders, hosting networks and ISPs (an
// embedded data file, catalogue.json) plus the user's own entries, matched on
// the PTR name, the AS number and the DKIM domains that passed.
package senders

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/dmarc-agent/dmarc-agent/enrich/psl"
)

// Types of catalogue entries. User entries may use any type; "own" is their
// default.
const (
	TypeEmailProvider   = "email_provider"
	TypeESP             = "esp"
	TypeMarketing       = "marketing"
	TypeTransactional   = "transactional"
	TypeCRM             = "crm"
	TypeHelpdesk        = "helpdesk"
	TypeSecurityGateway = "security_gateway"
	TypeForwarder       = "forwarder"
	TypeHosting         = "hosting"
	TypeISP             = "isp"
	TypeOwn             = "own"
)

// KnownTypes lists the catalogue's types.
var KnownTypes = []string{TypeEmailProvider, TypeESP, TypeMarketing, TypeTransactional, TypeCRM,
	TypeHelpdesk, TypeSecurityGateway, TypeForwarder, TypeHosting, TypeISP}

// Signals matched by sender.
const (
	ByPTR  = "ptr"
	ByDKIM = "dkim"
	ByASN  = "asn"
)

// Entry is one sender.
type Entry struct {
	Name        string   `json:"name"`
	Type        string   `json:"type"`
	PTRDomains  []string `json:"ptr_domains,omitempty"`
	ASNs        []uint32 `json:"asns,omitempty"`
	DKIMDomains []string `json:"dkim_domains,omitempty"`
	Note        string   `json:"note,omitempty"`
	// Domains (user entries only) lists the policy domains the sender is
	// legitimate for; empty means all.
	Domains []string `json:"-"`
	// User marks entries from the configuration.
	User bool `json:"-"`
}

// LegitimateFor reports whether a user entry vouches for domain (a policy
// or header-from domain): its Domains list is empty or holds domain or a
// parent of it.
func (e *Entry) LegitimateFor(domain string) bool {
	if !e.User {
		return false
	}
	if len(e.Domains) == 0 {
		return true
	}
	domain = psl.Normalize(domain)
	for _, d := range e.Domains {
		if psl.Within(domain, psl.Normalize(d)) {
			return true
		}
	}
	return false
}

//go:embed catalogue.json
var catalogueJSON []byte

type catalogueFile struct {
	Version string  `json:"version"`
	Senders []Entry `json:"senders"`
}

// Builtin returns the embedded catalogue and its version.
func Builtin() ([]Entry, string, error) {
	var f catalogueFile
	dec := json.NewDecoder(bytes.NewReader(catalogueJSON))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, "", fmt.Errorf("reading the sender catalogue: %w", err)
	}
	return f.Senders, f.Version, nil
}

// index finds entries by signal.
type index struct {
	ptr  map[string]*Entry
	dkim map[string]*Entry
	asn  map[uint32]*Entry
}

func newIndex(entries []*Entry) index {
	ix := index{ptr: map[string]*Entry{}, dkim: map[string]*Entry{}, asn: map[uint32]*Entry{}}
	for _, e := range entries {
		for _, d := range e.PTRDomains {
			if d = psl.Normalize(d); ix.ptr[d] == nil {
				ix.ptr[d] = e
			}
		}
		for _, d := range e.DKIMDomains {
			if d = psl.Normalize(d); ix.dkim[d] == nil {
				ix.dkim[d] = e
			}
		}
		for _, n := range e.ASNs {
			if ix.asn[n] == nil {
				ix.asn[n] = e
			}
		}
	}
	return ix
}

// bySuffix finds the entry for name or its closest listed parent domain.
func bySuffix(m map[string]*Entry, name string) *Entry {
	for name != "" {
		if e := m[name]; e != nil {
			return e
		}
		i := strings.IndexByte(name, '.')
		if i < 0 {
			return nil
		}
		name = name[i+1:]
		if !strings.Contains(name, ".") { // never match on a bare TLD
			return nil
		}
	}
	return nil
}
