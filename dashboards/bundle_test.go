package dashboards

import (
	"bytes"
	"strings"
	"testing"
)

func TestBundlePrefix(t *testing.T) {
	mail, err := Bundle("mail.reports")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(mail, []byte(placeholder)) {
		t.Error("placeholder left in the bundle")
	}
	titles := map[string]string{}
	for _, o := range parseBundle(t, mail) {
		if o.Type == "index-pattern" {
			titles[o.ID] = o.str("title")
		}
		for _, r := range o.References {
			if r.Type == "index-pattern" && !strings.HasPrefix(r.ID, "mail.reports-") {
				t.Errorf("%s refers to index pattern %s", o.key(), r.ID)
			}
		}
	}
	want := map[string]string{
		"mail.reports-aggregate": "mail.reports-aggregate-*",
		"mail.reports-failure":   "mail.reports-failure-*",
		"mail.reports-smtp-tls":  "mail.reports-smtp-tls-*",
	}
	if len(titles) != len(want) {
		t.Errorf("index patterns %v, want %v", titles, want)
	}
	for id, title := range want {
		if titles[id] != title {
			t.Errorf("index pattern %s titled %q, want %q", id, titles[id], title)
		}
	}

	def, err := Bundle("")
	if err != nil {
		t.Fatal(err)
	}
	dmarc, _ := Bundle("dmarc")
	if !bytes.Equal(def, dmarc) || !bytes.Contains(def, []byte(`"title":"dmarc-aggregate-*"`)) {
		t.Error(`Bundle("") is not the bundle of the default prefix dmarc`)
	}
	for _, bad := range []string{"Mail", `a"b`, "-x", "a b", "{{prefix}}"} {
		if _, err := Bundle(bad); err == nil {
			t.Errorf("Bundle(%q) accepted an invalid prefix", bad)
		}
	}
}
