package config

import (
	"fmt"
	"strings"
)

// notConfig are DMARC_AGENT_* variables that are not configuration (the
// tests use them); Warnings leaves them alone.
var notConfig = map[string]bool{
	"DMARC_AGENT_REQUIRE_OPENSEARCH": true,
	"DMARC_AGENT_REQUIRE_IMAP":       true,
	"DMARC_AGENT_TEST_CHILD":         true,
}

// EnvName is the environment variable that sets key.
func EnvName(key string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(key, ".", "__"))
}

// misspelledEnv returns an error line for each variable that spells a
// configuration key with single underscores (DMARC_AGENT_LOG_LEVEL): it would
// otherwise be silently ignored.
func misspelledEnv(environ []string) []string {
	var out []string
	for _, name := range envNames(environ) {
		if strings.Contains(strings.TrimPrefix(name, EnvPrefix), "__") || notConfig[name] {
			continue
		}
		for _, key := range Keys() {
			if name == EnvPrefix+strings.ToUpper(strings.ReplaceAll(key, ".", "_")) {
				out = append(out, fmt.Sprintf("%s: not a configuration variable (levels take a double underscore); use %s to set %s", name, EnvName(key), key))
			}
		}
	}
	return out
}

// Warnings names the DMARC_AGENT_* variables in environ that set nothing
// (no double underscore, and not one of the tests' variables), each with
// the nearest configuration variable.
func Warnings(environ []string) []string {
	var out []string
	misspelled := map[string]bool{}
	for _, l := range misspelledEnv(environ) {
		name, _, _ := strings.Cut(l, ":")
		misspelled[name] = true
	}
	for _, name := range envNames(environ) {
		if strings.Contains(strings.TrimPrefix(name, EnvPrefix), "__") || notConfig[name] || misspelled[name] {
			continue
		}
		w := name + ": ignored, not a configuration variable"
		if near := nearest(strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(name, EnvPrefix), "_", ".")), Keys()); near != "" {
			w += "; nearest: " + EnvName(near)
		}
		out = append(out, w)
	}
	return out
}

func envNames(environ []string) []string {
	var names []string
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, EnvPrefix) && name != EnvPrefix {
			names = append(names, name)
		}
	}
	return names
}

// nearest returns the key closest to s by edit distance, or "" when none is
// within a third of its length.
func nearest(s string, keys []string) string {
	best, bestD := "", len(s)/3+1
	for _, k := range keys {
		if d := editDistance(s, k); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
