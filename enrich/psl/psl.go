// Package psl finds registered domains with the ICANN section of the Public
// Suffix List. Private rules are ignored on purpose: under private wildcard
// suffixes such as *.compute-1.amazonaws.com every host name would be its own
// "registered" domain, or none at all, and a sender catalogue cannot key on
// that.
package psl

import (
	"strings"
	"sync"

	"github.com/weppos/publicsuffix-go/publicsuffix"
)

var opts = &publicsuffix.FindOptions{IgnorePrivate: true, DefaultRule: publicsuffix.DefaultRule}

// Normalize lower-cases name and removes a trailing dot.
func Normalize(name string) string {
	return strings.ToLower(strings.TrimSuffix(strings.TrimSpace(name), "."))
}

// Registered returns the registered domain of name (the public suffix plus
// one label), or "" when name is empty, a bare public suffix, or malformed.
func Registered(name string) string {
	cache.mu.RLock()
	d, ok := cache.m[name]
	cache.mu.RUnlock()
	if ok {
		return d
	}
	d = registered(name)
	cache.mu.Lock()
	if cache.m == nil || len(cache.m) >= cacheSize {
		cache.m = make(map[string]string, 1024)
	}
	cache.m[strings.Clone(name)] = strings.Clone(d) // not pinning the buffer name was cut from
	cache.mu.Unlock()
	return d
}

// cache remembers Registered's answers: every record of a report names the
// same few domains (header From, DKIM and SPF domains). When full it starts
// again empty.
var cache struct {
	mu sync.RWMutex
	m  map[string]string
}

const cacheSize = 16384

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
	return ra != "" && ra == Registered(b)
}

// Within reports whether name equals domain or is a subdomain of it. Both
// must already be normalised.
func Within(name, domain string) bool {
	return name == domain || (len(name) > len(domain) && strings.HasSuffix(name, domain) && name[len(name)-len(domain)-1] == '.')
}
