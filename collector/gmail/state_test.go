package gmail_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dmarc-agent/dmarc-agent/collector/gmail"
	"github.com/dmarc-agent/dmarc-agent/collector/gmail/gmailtest"
)

// A damaged state file (empty, garbage, edited so that its checksum no
// longer matches) is moved aside with an ERROR and the pass lists the whole
// selection: labelled mail is skipped, new mail is delivered once. A file
// written before checksums existed is still used (history, no listing).
func TestDamagedGmailStateIsMovedAside(t *testing.T) {
	checksum := regexp.MustCompile(`,\n\s*"checksum": "[0-9a-f]{64}"`)
	for _, tc := range []struct {
		name    string
		damage  func(b []byte) []byte
		damaged bool
		reason  string
	}{
		{"empty", func([]byte) []byte { return nil }, true, "is empty (0 bytes)"},
		{"garbage page", func(b []byte) []byte {
			g := make([]byte, 4096)
			for i := range g {
				g[i] = byte(i*131 + 7)
			}
			return g
		}, true, "is not valid JSON"},
		{"edited cursor", func(b []byte) []byte {
			return regexp.MustCompile(`"history_id": "(\d+)"`).ReplaceAll(b, []byte(`"history_id": "1${1}"`))
		}, true, "does not match its checksum"},
		{"no checksum (older version)", func(b []byte) []byte { return checksum.ReplaceAll(b, nil) }, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := gmailtest.New(box, other)
			defer f.Close()
			fx := fill(f, 5, "a", day)
			cfg := testConfig(t, f)
			if err := newConsumer().run(t, newSource(t, cfg, gmail.Options{}, nil)); err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(cfg.StateFile)
			if err != nil {
				t.Fatal(err)
			}
			if !checksum.Match(b) {
				t.Fatalf("saved state has no checksum:\n%s", b)
			}
			bad := tc.damage(b)
			if err := os.WriteFile(cfg.StateFile, bad, 0o600); err != nil {
				t.Fatal(err)
			}
			fx2 := fill(f, 3, "b", day.Add(time.Hour))
			lists := f.Calls("users.messages.list")
			log := &syncBuffer{}
			c := newConsumer()
			if err := c.run(t, newSource(t, cfg, gmail.Options{}, testLogger(log))); err != nil {
				t.Fatal(err)
			}
			c.exactlyOnce(t, fx2.reports)
			checkLabels(t, f, fx)
			checkLabels(t, f, fx2)
			aside, _ := filepath.Glob(cfg.StateFile + ".damaged-*")
			full := strings.Contains(log.String(), "full_listing=true")
			if !tc.damaged {
				if len(aside) != 0 || full || strings.Contains(log.String(), "ERROR") {
					t.Errorf("state without checksum: moved aside %v, full listing %v, log:\n%s", aside, full, log)
				}
				return
			}
			if len(aside) != 1 {
				t.Fatalf("moved aside: %v, want one file", aside)
			}
			if got, _ := os.ReadFile(aside[0]); string(got) != string(bad) {
				t.Error("the file moved aside is not the damaged one")
			}
			if !full || f.Calls("users.messages.list") == lists {
				t.Errorf("no full listing after the damaged state:\n%s", log)
			}
			if l := log.String(); !strings.Contains(l, "level=ERROR msg=\"gmail state file damaged: moved aside") || !strings.Contains(l, tc.reason) {
				t.Errorf("log does not say the state was damaged (%s):\n%s", tc.reason, l)
			}
			if b, _ := os.ReadFile(cfg.StateFile); !checksum.Match(b) {
				t.Errorf("no fresh state saved:\n%s", b)
			}
		})
	}
}
