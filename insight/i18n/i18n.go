// Package i18n holds the report's one message catalogue (English and
// Japanese) and formats numbers and dates for the chosen language.
package i18n

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
)

// Languages lists the supported languages, default first.
var Languages = []string{"en", "ja"}

var catalogs = map[string]map[string]string{"en": en, "ja": ja}

var cat = func() *catalog.Builder {
	b := catalog.NewBuilder(catalog.Fallback(language.English))
	for lang, msgs := range catalogs {
		tag := language.MustParse(lang)
		for k, v := range msgs {
			if err := b.SetString(tag, k, v); err != nil {
				panic(fmt.Sprintf("catalogue %s %s: %v", lang, k, err))
			}
		}
	}
	return b
}()

// Keys returns every key of a language's catalogue, sorted.
func Keys(lang string) []string {
	keys := make([]string, 0, len(catalogs[lang]))
	for k := range catalogs[lang] {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Has reports whether lang's catalogue has key.
func Has(lang, key string) bool { _, ok := catalogs[lang][key]; return ok }

// Parse returns the supported language s names ("ja", "ja_JP.UTF-8",
// "en-GB"), or false.
func Parse(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	for _, l := range Languages {
		if s == l || strings.HasPrefix(s, l+"_") || strings.HasPrefix(s, l+"-") || strings.HasPrefix(s, l+".") {
			return l, true
		}
	}
	return "", false
}

// FromEnv picks the language from the first of LC_ALL, LC_MESSAGES, LANG
// that is set, as the C library does; English when none names a supported
// language.
func FromEnv(getenv func(string) string) string {
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if s := getenv(v); s != "" {
			if l, ok := Parse(s); ok {
				return l
			}
			return "en"
		}
	}
	return "en"
}

// Printer formats messages, numbers and dates in one language.
type Printer struct {
	lang string
	p    *message.Printer
}

// New returns a Printer for lang ("en" or "ja"; anything else is English).
func New(lang string) *Printer {
	if _, ok := catalogs[lang]; !ok {
		lang = "en"
	}
	return &Printer{lang: lang, p: message.NewPrinter(language.MustParse(lang), message.Catalog(cat))}
}

// Lang is the printer's language.
func (p *Printer) Lang() string { return p.lang }

// T formats the message of key with args.
func (p *Printer) T(key string, args ...any) string { return p.p.Sprintf(key, args...) }

// Num formats an integer with the language's digit grouping.
func (p *Printer) Num(n int64) string { return p.p.Sprintf("%d", n) }

// Pct formats a ratio (0..1) as a percentage with one decimal.
func (p *Printer) Pct(r float64) string { return p.p.Sprintf("%.1f%%", 100*r) }

// Date formats a date (UTC).
func (p *Printer) Date(t time.Time) string {
	t = t.UTC()
	if p.lang == "ja" {
		return fmt.Sprintf("%d年%d月%d日", t.Year(), int(t.Month()), t.Day())
	}
	return t.Format("2 Jan 2006")
}

// ShortDate formats a YYYY-MM-DD day for a chart axis or a table.
func (p *Printer) ShortDate(day string) string {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return day
	}
	if p.lang == "ja" {
		return fmt.Sprintf("%d/%d", int(t.Month()), t.Day())
	}
	return t.Format("2 Jan")
}

// Span formats a period.
func (p *Printer) Span(begin, end time.Time) string {
	if begin.IsZero() {
		return p.T("period.none")
	}
	return p.T("period.span", p.Date(begin), p.Date(end))
}
