package imap_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/dmarc-agent/dmarc-agent/collector/imap"
)

// A damaged state file (empty, garbage, edited so that its checksum no
// longer matches) is moved aside with an ERROR and the pass searches the
// whole selection: flagged mail is skipped, new mail is delivered once. A
// file written before checksums existed is still used (no full listing).
func TestDamagedIMAPStateIsMovedAside(t *testing.T) {
	d := server(t)
	checksum := regexp.MustCompile(`,\n\s*"checksum": "[0-9a-f]{64}"`)
	for _, tc := range []struct {
		name    string
		damage  func(b []byte) []byte
		damaged bool
		reason  string
	}{
		{"empty", func([]byte) []byte { return nil }, true, "is empty (0 bytes)"},
		{"garbage page", func([]byte) []byte {
			g := make([]byte, 4096)
			for i := range g {
				g[i] = byte(i*131 + 7)
			}
			return g
		}, true, "is not valid JSON"},
		{"edited cursor", func(b []byte) []byte {
			return regexp.MustCompile(`"last_uid": (\d+)`).ReplaceAll(b, []byte(`"last_uid": 1${1}`))
		}, true, "does not match its checksum"},
		{"no checksum (older version)", func(b []byte) []byte { return checksum.ReplaceAll(b, nil) }, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			box := d.mailbox(t)
			c := d.client(t)
			appendAll(t, c, box, [][]byte{reportMail("st-1"), reportMail("st-2"), reportMail("st-3")})
			cfg := baseConfig(t, d, box)
			if cons, err := runOnce(t, cfg, nil); err != nil || len(cons.delivered) != 3 {
				t.Fatalf("first pass: %v, delivered %v", err, cons.delivered)
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
			appendAll(t, c, box, [][]byte{reportMail("st-4"), reportMail("st-5")})
			logs := newLogBuffer()
			cons, err := runOnce(t, cfg, logs)
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(cons.delivered)
			if len(cons.delivered) != 2 || len(cons.rejected) != 0 {
				t.Errorf("second pass delivered %v, rejected %v; want the two new mails only", cons.delivered, cons.rejected)
			}
			if n := count(t, c, box); n != 5 {
				t.Errorf("%d mails in the mailbox, want 5", n)
			}
			for uid, fl := range flagsOf(t, c, box) {
				if !has(fl, "$DmarcProcessed") {
					t.Errorf("UID %d not flagged processed: %v", uid, fl)
				}
			}
			aside, _ := filepath.Glob(cfg.StateFile + ".damaged-*")
			l := logs.String()
			full := strings.Contains(l, "full_listing=true")
			if !tc.damaged {
				if len(aside) != 0 || full || strings.Contains(l, "level=ERROR") {
					t.Errorf("state without checksum: moved aside %v, full listing %v, log:\n%s", aside, full, l)
				}
				return
			}
			if len(aside) != 1 {
				t.Fatalf("moved aside: %v, want one file", aside)
			}
			if got, _ := os.ReadFile(aside[0]); string(got) != string(bad) {
				t.Error("the file moved aside is not the damaged one")
			}
			if !full {
				t.Errorf("no full listing after the damaged state:\n%s", l)
			}
			if !strings.Contains(l, `level=ERROR msg="imap state file damaged: moved aside`) || !strings.Contains(l, tc.reason) {
				t.Errorf("log does not say the state was damaged (%s):\n%s", tc.reason, l)
			}
			if b, _ := os.ReadFile(cfg.StateFile); !checksum.Match(b) {
				t.Errorf("no fresh state saved:\n%s", b)
			}
		})
	}
}

// A state file that cannot be written is an internal fault that readiness
// reports (the pass fails, nothing is lost: the mail is flagged and the
// cursor stays); the next successful save clears it.
func TestStateWriteFailureIsAFault(t *testing.T) {
	d := server(t)
	box := d.mailbox(t)
	c := d.client(t)
	appendAll(t, c, box, [][]byte{reportMail("sf-1")})
	cfg := baseConfig(t, d, box)
	dir := filepath.Join(t.TempDir(), "state")
	if err := os.WriteFile(dir, []byte("a file where the state folder should be"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg.StateFile = filepath.Join(dir, "imap.json")
	src, err := imap.New(cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c1 := &consumer{}
	if err := c1.drain(ctx, src); err == nil || !strings.Contains(err.Error(), "saving imap cursor") {
		t.Fatalf("Run = %v, want the failed save", err)
	}
	if err := src.Fault(); err == nil || !strings.Contains(err.Error(), "saving imap cursor") {
		t.Fatalf("Fault() = %v after a failed save", err)
	}
	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	c2 := &consumer{}
	if err := c2.drain(ctx, src); err != nil {
		t.Fatal(err)
	}
	if err := src.Fault(); err != nil {
		t.Errorf("Fault() = %v after a successful save", err)
	}
	// Delivered and flagged in the first pass; the second pass searches
	// from the old cursor and skips the flagged mail.
	if len(c1.delivered) != 1 || len(c2.delivered) != 0 {
		t.Errorf("delivered %v, then %v; want one mail, then none", c1.delivered, c2.delivered)
	}
}
