// Package psl finds registered domains with the ICANN section of the Public
// Suffix List. Private rules are ignored on purpose: under private wildcard
// suffixes such as *.compute-1.amazonaws.com every host name would be its own
// "registered" domain, or none at all, and a sender catalogue cannot key on
// that.
package psl

import (
	"strings"

	"github.com/weppos/publicsuffix-go/publicsuffix"

	"github.com/dmarc-agent/dmarc-agent/internal/memo"
)

var opts = &publicsuffix.FindOptions{IgnorePrivate: true, DefaultRule: publicsuffix.DefaultRule}

// Normalize lower-cases name and removes a trailing dot.
func Normalize(name string) string {
	return strings.ToLower(strings.TrimSuffix(strings.TrimSpace(name), "."))
}

// Registered returns the registered domain of name (the public suffix plus
// one label), or "" when name is empty, a bare public suffix, or malformed.
func Registered(name string) string {
	if d, ok := cache.Get(name); ok {
		return d
	}
	d := registered(name)
	cache.Put(strings.Clone(name), strings.Clone(d)) // not pinning the buffer name was cut from
	return d
}

// cache remembers Registered's answers: every record of a report names the
// same few domains (header From, DKIM and SPF domains).
var cache = memo.New[string, string](16384)

func registered(name string) string {
	name = Normalize(name)
	if name == "" || strings.Contains(name, "..") || strings.HasPrefix(name, ".") {
		return ""
	}
	d, err := publicsuffix.DomainFromListWithOptions(publicsuffix.DefaultList, name, opts)
	if err != nil {
		return ""
	}
	return d
}

// SameOrg reports whether a and b share a registered domain: DMARC relaxed
// alignment.
func SameOrg(a, b string) bool {
	ra := Registered(a)
	if ra == "" {
		return false
	}
	return a == b || ra == Registered(b) // the same name (header From and signer, mostly): one look-up
}

// Within reports whether name equals domain or is a subdomain of it. Both
// must already be normalised.
func Within(name, domain string) bool {
	return name == domain || (len(name) > len(domain) && strings.HasSuffix(name, domain) && name[len(name)-len(domain)-1] == '.')
}
