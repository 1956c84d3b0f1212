package imap_test

import (
	"strings"
	"testing"
	"time"

	"github.com/dmarc-agent/dmarc-agent/collector/imap"
)

func TestValidate(t *testing.T) {
	valid := imap.DefaultConfig()
	valid.Enabled, valid.Host, valid.Username, valid.Password = true, "imap.example.com", "dmarc", "x"
	if err := valid.Validate(); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	if err := imap.DefaultConfig().Validate(); err != nil {
		t.Errorf("disabled defaults: %v", err)
	}
	cases := []struct {
		name string
		edit func(*imap.Config)
		want string
	}{
		{"no host", func(c *imap.Config) { c.Host = "" }, "sources.imap.host: required"},
		{"plain remote", func(c *imap.Config) { c.TLS = "plain" }, `sources.imap.tls: plain sends the password in clear; allowed only for a loopback host, got "imap.example.com"`},
		{"bad tls", func(c *imap.Config) { c.TLS = "ssl" }, `sources.imap.tls: must be implicit, starttls or plain, got "ssl"`},
		{"no password", func(c *imap.Config) { c.Password = "" }, "sources.imap.password: required (password, password_file, or DMARC_AGENT_SOURCES__IMAP__PASSWORD)"},
		{"both passwords", func(c *imap.Config) { c.PasswordFile = "/p" }, "sources.imap.password: set password or password_file, not both"},
		{"bad action", func(c *imap.Config) { c.AfterDelivery = "archive" }, `sources.imap.after_delivery: must be flag, move or delete, got "archive"`},
		{"bad flag", func(c *imap.Config) { c.ProcessedFlag = `\Seen` }, `sources.imap.processed_flag: must be a keyword (atom characters, no spaces), got "\\Seen"`},
		{"move to itself", func(c *imap.Config) { c.AfterDelivery, c.ProcessedFolder = "move", "INBOX" }, `sources.imap.processed_folder: required with after_delivery: move, and not the mailbox itself, got "INBOX"`},
		{"bad since", func(c *imap.Config) { c.Search.Since = "last week" }, `sources.imap.search.since: must be a date like 2026-01-31, got "last week"`},
		{"idle too long", func(c *imap.Config) { c.IdleRestart = 31 * time.Minute }, "sources.imap.idle_restart: must be positive and at most 29m (servers may drop idle clients after 30m), got 31m0s"},
		{"no state", func(c *imap.Config) { c.StateFile = "" }, "sources.imap.state_file: required"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := valid
			tc.edit(&c)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
	local := valid
	local.Host, local.TLS = "127.0.0.1", "plain"
	if err := local.Validate(); err != nil {
		t.Errorf("plain on loopback: %v", err)
	}
}
