package render

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dmarc-agent/dmarc-agent/insight"
	"github.com/dmarc-agent/dmarc-agent/insight/i18n"
)

func TestWrap(t *testing.T) {
	for _, c := range []struct {
		s     string
		w     int
		lines []string
	}{
		{"the quick brown fox", 10, []string{"the quick", "brown fox"}},
		{"短い", 10, []string{"短い"}},
		// Five wide characters per line of 10 columns; 。 never starts a line.
		{"あいうえおかきくけこ。さ", 10, []string{"あいうえお", "かきくけ", "こ。さ"}},
		{"https://example.invalid/a/very/long/path", 12, []string{"https://exam", "ple.invalid/", "a/very/long/", "path"}},
	} {
		got := wrap(c.s, c.w)
		if strings.Join(got, "|") != strings.Join(c.lines, "|") {
			t.Errorf("wrap(%q, %d) = %q, want %q", c.s, c.w, got, c.lines)
		}
		for _, l := range got {
			if cells(l) > c.w {
				t.Errorf("line %q is %d columns", l, cells(l))
			}
		}
	}
	if pad("日本", 6) != "日本  " || padLeft("12", 4) != "  12" || cut("abcdef", 4) != "abc…" {
		t.Error("pad/cut")
	}
}

func TestSparkline(t *testing.T) {
	if got := Sparkline([]int64{0, 1, 4, 8}); got != " ▁▄█" {
		t.Errorf("sparkline %q", got)
	}
}

func sampleReport() *insight.Report {
	day := time.Date(2026, 11, 9, 0, 0, 0, 0, time.UTC)
	return &insight.Report{
		Period: insight.Period{Begin: day, End: day.Add(24*time.Hour - time.Second)},
		Domains: []insight.Domain{{
			Domain: "example.net", Messages: 10, Passed: 7, PassRate: 0.7, Policy: insight.Policy{P: "none"},
			Readiness: insight.Readiness{Verdict: insight.NotReady, Reason: "<b>not</b> & ready", Blockers: []string{"A"}},
			Senders:   []insight.Sender{{Name: "<script>alert(1)</script>", Verdict: "misconfigured", Messages: 3, Fix: "fix it"}},
			Daily:     []insight.Day{{Date: "2026-11-09", Pass: 7, Fail: 3}},
		}},
		Attribution: "IP Geolocation by DB-IP (https://db-ip.com)",
	}
}

// TestHTMLSelfContained: no script, no stylesheet or image fetched from
// anywhere, and data escaped.
func TestHTMLSelfContained(t *testing.T) {
	for _, lang := range i18n.Languages {
		var b bytes.Buffer
		if err := HTML(&b, sampleReport(), i18n.New(lang)); err != nil {
			t.Fatal(err)
		}
		s := b.String()
		if strings.Contains(s, "<script") {
			t.Errorf("%s: a script in the page", lang)
		}
		if m := regexp.MustCompile(`(?i)(src|href)\s*=|@import|url\(`).FindString(s); m != "" {
			t.Errorf("%s: the page references something outside itself: %q", lang, m)
		}
		if !strings.Contains(s, "&lt;script&gt;alert(1)&lt;/script&gt;") || !strings.Contains(s, "&lt;b&gt;not&lt;/b&gt; &amp; ready") {
			t.Errorf("%s: data is not escaped", lang)
		}
		if !strings.Contains(s, `<html lang="`+lang+`">`) || !strings.Contains(s, "<svg ") || !strings.Contains(s, "@media print") {
			t.Errorf("%s: language, chart or print styles missing", lang)
		}
	}
}

func TestTextColourOnlyWhenAsked(t *testing.T) {
	var plain, colour bytes.Buffer
	Text(&plain, sampleReport(), i18n.New("en"), TextOptions{})
	Text(&colour, sampleReport(), i18n.New("en"), TextOptions{Color: true})
	if strings.Contains(plain.String(), "\x1b[") || !strings.Contains(colour.String(), "\x1b[") {
		t.Error("colour codes must appear with Color and only then")
	}
}
