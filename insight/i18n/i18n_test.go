package i18n

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestCataloguesComplete: English and Japanese have the same keys, and no
// message is empty.
func TestCataloguesComplete(t *testing.T) {
	en, ja := Keys("en"), Keys("ja")
	for _, k := range en {
		if !Has("ja", k) {
			t.Errorf("key %q missing in Japanese", k)
		}
	}
	for _, k := range ja {
		if !Has("en", k) {
			t.Errorf("key %q missing in English", k)
		}
	}
	for lang, m := range catalogs {
		for k, v := range m {
			if strings.TrimSpace(v) == "" && k != "sep.sentence" {
				t.Errorf("%s: %q is empty", lang, k)
			}
		}
	}
	if len(en) < 90 {
		t.Errorf("only %d keys: the catalogue did not load", len(en))
	}
}

// keyCall finds the literal keys the report code translates.
var keyCall = regexp.MustCompile(`\bT\("([a-z0-9.-]*[a-z0-9])"|\bt \$p "([a-z0-9.-]*[a-z0-9])"`)

// TestEveryKeyUsedExists: every key written literally in the report's
// code and HTML template is in both catalogues; the keys built at run time
// (verdicts, dispositions, SMTP TLS advice) are checked by name.
func TestEveryKeyUsedExists(t *testing.T) {
	var files []string
	for _, pat := range []string{"../*.go", "../render/*.go", "../render/*.tmpl"} {
		m, _ := filepath.Glob(pat)
		files = append(files, m...)
	}
	seen := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range keyCall.FindAllStringSubmatch(string(b), -1) {
			key := m[1] + m[2]
			seen++
			for _, lang := range Languages {
				if !Has(lang, key) {
					t.Errorf("%s uses %q, missing in %s", f, key, lang)
				}
			}
		}
	}
	if seen < 40 {
		t.Fatalf("found only %d key uses: the pattern no longer matches the code", seen)
	}
	var dynamic []string
	for _, v := range []string{"aligned", "forwarded", "misconfigured", "spoofed"} {
		dynamic = append(dynamic, "verdict."+v)
	}
	for _, v := range []string{"not-ready", "ready-for-quarantine", "ready-for-reject", "enforced"} {
		dynamic = append(dynamic, "readiness.v."+v)
	}
	for _, v := range []string{"none", "quarantine", "reject"} {
		dynamic = append(dynamic, "disp."+v)
	}
	for _, v := range []string{"starttls-not-supported", "certificate-host-mismatch", "certificate-expired", "certificate-not-trusted",
		"validation-failure", "tlsa-invalid", "dnssec-invalid", "dane-required", "sts-policy-fetch-error", "sts-policy-invalid",
		"sts-webpki-invalid", "other"} {
		dynamic = append(dynamic, "tls.fix."+v)
	}
	for _, k := range dynamic {
		for _, lang := range Languages {
			if !Has(lang, k) {
				t.Errorf("%q missing in %s", k, lang)
			}
		}
	}
}

// TestArgumentsMatch: every message takes as many arguments in Japanese as
// in English (reordered with %[n] where the word order differs).
func TestArgumentsMatch(t *testing.T) {
	verb := regexp.MustCompile(`%(\[\d\])?[-+# 0]*\d*(\.\d+)?(\[\d\])?[dsfv]`)
	for _, k := range Keys("en") {
		ne, nj := len(verb.FindAllString(en[k], -1)), len(verb.FindAllString(ja[k], -1))
		if ne != nj {
			t.Errorf("%q: %d arguments in English, %d in Japanese", k, ne, nj)
		}
	}
}

func TestFormatting(t *testing.T) {
	en, ja := New("en"), New("ja")
	day := time.Date(2026, 11, 9, 23, 0, 0, 0, time.UTC)
	for _, c := range []struct{ got, want string }{
		{en.Num(1234567), "1,234,567"},
		{ja.Num(1234567), "1,234,567"},
		{en.Pct(0.8662), "86.6%"},
		{en.Date(day), "9 Nov 2026"},
		{ja.Date(day), "2026年11月9日"},
		{ja.ShortDate("2026-11-09"), "11/9"},
		{en.ShortDate("2026-11-09"), "9 Nov"},
		{en.Span(day, day.AddDate(0, 0, 13)), "9 Nov 2026 – 22 Nov 2026"},
		{ja.Span(day, day.AddDate(0, 0, 13)), "2026年11月9日～2026年11月22日"},
		{ja.T("readiness.ready-quarantine", 99.25, 14), "14 日間で正規のメールの 99.2% が DMARC に合格しているため、p=quarantine に移行し、引き続きレポートを確認してください。"},
		{en.T("tls.summary", int64(1234), int64(5), int64(3)), "Sessions: 1,234 successful, 5 failed (reports: 3)."},
		{ja.T("tls.summary", int64(1234), int64(5), int64(3)), "3 件のレポートで、成功 1,234 セッション、失敗 5 セッション。"},
		{New("fr").Lang(), "en"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

func TestFromEnv(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{}, "en"},
		{map[string]string{"LANG": "ja_JP.UTF-8"}, "ja"},
		{map[string]string{"LANG": "ja_JP.UTF-8", "LC_ALL": "C"}, "en"}, // LC_ALL wins, even when it names no supported language
		{map[string]string{"LANG": "en_GB.UTF-8", "LC_ALL": "ja_JP.eucJP"}, "ja"},
		{map[string]string{"LC_MESSAGES": "ja", "LANG": "en_US"}, "ja"},
		{map[string]string{"LANG": "de_DE.UTF-8"}, "en"},
	} {
		if got := FromEnv(func(k string) string { return c.env[k] }); got != c.want {
			t.Errorf("%v: %s, want %s", c.env, got, c.want)
		}
	}
	if l, ok := Parse("ja-JP"); !ok || l != "ja" {
		t.Errorf("Parse(ja-JP) = %q %v", l, ok)
	}
	if _, ok := Parse("japanese"); ok {
		t.Error("Parse(japanese) accepted")
	}
	if !slices.Equal(Languages, []string{"en", "ja"}) {
		t.Errorf("languages %v", Languages)
	}
}
