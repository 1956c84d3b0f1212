package senders

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestCatalogueData(t *testing.T) {
	entries, version, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) < 100 || version == "" {
		t.Fatalf("%d entries, version %q; want at least 100", len(entries), version)
	}
	names := map[string]bool{}
	claimed := map[string]string{}
	claim := func(key, name string) {
		if other, ok := claimed[key]; ok {
			t.Errorf("%s claimed by %q and %q", key, other, name)
		}
		claimed[key] = name
	}
	for _, e := range entries {
		if names[e.Name] {
			t.Errorf("duplicate name %q", e.Name)
		}
		names[e.Name] = true
		if !slices.Contains(KnownTypes, e.Type) {
			t.Errorf("%q: unknown type %q", e.Name, e.Type)
		}
		if len(e.PTRDomains)+len(e.DKIMDomains)+len(e.ASNs) == 0 {
			t.Errorf("%q: no signal", e.Name)
		}
		for _, d := range append(slices.Clone(e.PTRDomains), e.DKIMDomains...) {
			if d != strings.ToLower(d) || strings.HasSuffix(d, ".") || !strings.Contains(d, ".") {
				t.Errorf("%q: domain %q is not a lower-case name with a dot and no trailing dot", e.Name, d)
			}
		}
		for _, d := range e.PTRDomains {
			claim("ptr "+d, e.Name)
		}
		for _, d := range e.DKIMDomains {
			claim("dkim "+d, e.Name)
		}
		for _, n := range e.ASNs {
			claim(fmt.Sprint("asn ", n), e.Name)
		}
	}
	for _, want := range []string{"Google Workspace / Gmail", "Microsoft 365 / Outlook.com", "Amazon SES", "Twilio SendGrid",
		"Mailchimp", "Mailchimp Transactional (Mandrill)", "Mailgun", "SparkPost (Bird)", "Postmark",
		"Salesforce Marketing Cloud (ExactTarget)", "HubSpot", "Zendesk", "Freshdesk (Freshworks)", "Yahoo Mail", "Zoho Mail",
		"Proton Mail", "Fastmail", "OVHcloud Mail", "GoDaddy Email", "Mimecast", "Proofpoint", "Barracuda Email Protection",
		"Cisco Secure Email (IronPort)", "Google Groups", "China Telecom"} {
		if !names[want] {
			t.Errorf("catalogue lacks %q", want)
		}
	}
}

func TestMatch(t *testing.T) {
	c, err := New([]Entry{
		{Name: "Example relays", PTRDomains: []string{"Relay.Example.COM."}, ASNs: []uint32{64500}, Domains: []string{"example.com"}},
		{Name: "Example on SendGrid", Type: "vendor", DKIMDomains: []string{"em123.example.org"}},
		{Name: "Our Google", ASNs: []uint32{15169}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.Size() < 100 || c.Version() == "" {
		t.Errorf("size %d version %q", c.Size(), c.Version())
	}
	for _, tc := range []struct {
		name     string
		s        Signals
		want, by string
		wantType string
	}{
		{"ptr subdomain", Signals{PTR: "mail-sor-f41.google.com"}, "Google Workspace / Gmail", ByPTR, TypeEmailProvider},
		{"ptr exact", Signals{PTR: "amazonses.com"}, "Amazon SES", ByPTR, TypeESP},
		{"ptr most specific wins", Signals{PTR: "a0-7.email.cloudflare.net"}, "Cloudflare Email Routing", ByPTR, TypeForwarder},
		{"ptr lookalike does not match", Signals{PTR: "mail.notgoogle.com"}, "", "", ""},
		{"no bare-TLD match", Signals{PTR: "host.com"}, "", "", ""},
		{"dkim", Signals{DKIMPass: []string{"customer.com", "SendGrid.net"}}, "Twilio SendGrid", ByDKIM, TypeMarketing},
		{"dkim subdomain", Signals{DKIMPass: []string{"example-com.20230601.gappssmtp.com"}}, "Google Workspace / Gmail", ByDKIM, TypeEmailProvider},
		{"asn", Signals{ASN: 4134}, "China Telecom", ByASN, TypeISP},
		{"ptr beats dkim and asn", Signals{PTR: "o1.ptr1.sendgrid.net", ASN: 16509, DKIMPass: []string{"amazonses.com"}}, "Twilio SendGrid", ByPTR, TypeMarketing},
		{"dkim beats asn (SES inside the AWS network)", Signals{ASN: 16509, DKIMPass: []string{"amazonses.com"}}, "Amazon SES", ByDKIM, TypeESP},
		{"forwarder signature beats the provider's ptr", Signals{PTR: "mail-yw1-f190.google.com", DKIMPass: []string{"googlegroups.com"}}, "Google Groups", ByDKIM, TypeForwarder},
		{"user ptr beats everything", Signals{PTR: "out1.relay.example.com", DKIMPass: []string{"googlegroups.com"}}, "Example relays", ByPTR, TypeOwn},
		{"user dkim", Signals{PTR: "o1.sendgrid.net", DKIMPass: []string{"em123.example.org"}}, "Example on SendGrid", ByDKIM, "vendor"},
		{"user asn beats catalogue asn", Signals{ASN: 15169}, "Our Google", ByASN, TypeOwn},
		{"user asn loses to nothing in the catalogue", Signals{PTR: "mail-sor-f41.google.com", ASN: 15169}, "Our Google", ByASN, TypeOwn},
		{"nothing", Signals{PTR: "host.example.net", ASN: 64999}, "", "", ""},
	} {
		m, ok := c.Match(tc.s)
		if tc.want == "" {
			if ok {
				t.Errorf("%s: unexpected match %+v", tc.name, *m.Entry)
			}
			continue
		}
		if !ok || m.Entry.Name != tc.want || m.By != tc.by || m.Entry.Type != tc.wantType {
			t.Errorf("%s: got %+v %v, want %s by %s (%s)", tc.name, m.Entry, m.By, tc.want, tc.by, tc.wantType)
		}
	}
}

func TestUserEntryNeedsName(t *testing.T) {
	if _, err := New([]Entry{{ASNs: []uint32{1}}}); err == nil {
		t.Error("nameless entry accepted")
	}
}

func TestLegitimateFor(t *testing.T) {
	anyDomain := &Entry{User: true}
	some := &Entry{User: true, Domains: []string{"Example.com", "example.org."}}
	builtin := &Entry{}
	for _, tc := range []struct {
		e      *Entry
		domain string
		want   bool
	}{
		{anyDomain, "whatever.net", true},
		{some, "example.com", true},
		{some, "news.example.com", true},
		{some, "EXAMPLE.ORG", true},
		{some, "badexample.com", false},
		{some, "example.net", false},
		{builtin, "example.com", false},
	} {
		if got := tc.e.LegitimateFor(tc.domain); got != tc.want {
			t.Errorf("%+v LegitimateFor(%q) = %v", tc.e, tc.domain, got)
		}
	}
}
