package verdict

import (
	"testing"

	"github.com/dmarc-agent/dmarc-agent/enrich/senders"
	"github.com/dmarc-agent/dmarc-agent/mapping"
)

// rec describes a record compactly: aligned results, raw results, sender.
type rec struct {
	pass         bool
	dkim, spf    string   // policy_evaluated (aligned) results
	dkimD, dkimR []string // auth_results dkim domains / results
	spfD, spfR   []string // auth_results spf domains / results
	headerFrom   string
	envelopeFrom string
	overrides    []string
}

func (r rec) doc() *mapping.AggregateDoc {
	d := &mapping.AggregateDoc{}
	d.Policy.Domain = "example.com"
	d.Identifiers.HeaderFrom = "example.com"
	if r.headerFrom != "" {
		d.Identifiers.HeaderFrom = r.headerFrom
	}
	if r.headerFrom == "-" {
		d.Identifiers.HeaderFrom = ""
	}
	d.Identifiers.EnvelopeFrom = r.envelopeFrom
	d.DMARC.Pass, d.DMARC.DKIM, d.DMARC.SPF = mapping.PassOf(r.pass), r.dkim, r.spf
	d.DMARC.Override.Types = r.overrides
	d.Auth.DKIM.Domains, d.Auth.DKIM.Results = r.dkimD, r.dkimR
	d.Auth.SPF.Domains, d.Auth.SPF.Results = r.spfD, r.spfR
	return d
}

var (
	gmail      = &senders.Entry{Name: "Google Workspace / Gmail", Type: senders.TypeEmailProvider}
	groups     = &senders.Entry{Name: "Google Groups", Type: senders.TypeForwarder}
	sendgrid   = &senders.Entry{Name: "Twilio SendGrid", Type: senders.TypeMarketing}
	mailchimp  = &senders.Entry{Name: "Mailchimp", Type: senders.TypeMarketing}
	chinaTel   = &senders.Entry{Name: "China Telecom", Type: senders.TypeISP}
	aws        = &senders.Entry{Name: "Amazon Web Services (EC2)", Type: senders.TypeHosting}
	ownAny     = &senders.Entry{Name: "Our relays", Type: senders.TypeOwn, User: true}
	ownExample = &senders.Entry{Name: "Our relays", Type: senders.TypeOwn, User: true, Domains: []string{"example.com"}}
	ownOther   = &senders.Entry{Name: "Other relays", Type: senders.TypeOwn, User: true, Domains: []string{"example.net"}}
	vendorOurs = &senders.Entry{Name: "Our vendor", Type: senders.TypeMarketing, User: true, Domains: []string{"example.com"}}
)

func TestDecide(t *testing.T) {
	s := func(v ...string) []string { return v }
	for _, tc := range []struct {
		name   string
		r      rec
		sender *senders.Entry
		want   string
		rule   Rule
	}{
		// 1. The reporter says the mail was forwarded.
		{"override forwarded", rec{dkim: "fail", spf: "fail", overrides: s("forwarded")}, nil, Forwarded, RuleReporterSaysForwarded},
		{"override mailing list, any case", rec{dkim: "fail", spf: "fail", overrides: s("local_policy", "Mailing_List")}, nil, Forwarded, RuleReporterSaysForwarded},
		{"override trusted forwarder", rec{dkim: "fail", spf: "fail", overrides: s("trusted_forwarder")}, nil, Forwarded, RuleReporterSaysForwarded},
		{"other override is not forwarding", rec{dkim: "fail", spf: "fail", overrides: s("local_policy", "sampled_out")}, nil, Spoofed, RuleUnknown},
		// 2. A known forwarder or mailing list.
		{"known forwarder, failing", rec{dkim: "fail", spf: "fail"}, groups, Forwarded, RuleKnownForwarder},
		{"known forwarder, passing", rec{pass: true, dkim: "pass", spf: "fail"}, groups, Forwarded, RuleKnownForwarder},
		// 3. DMARC passes.
		{"spf aligned", rec{pass: true, dkim: "fail", spf: "pass", spfD: s("example.com"), spfR: s("pass")}, nil, Aligned, RulePass},
		{"dkim aligned, spf passes unaligned (ESP bounce domain)", rec{pass: true, dkim: "pass", spf: "fail",
			dkimD: s("example.com"), dkimR: s("pass"), spfD: s("bounces.sendgrid.net"), spfR: s("pass")}, sendgrid, Aligned, RulePass},
		{"pass flag alone", rec{pass: true}, nil, Aligned, RulePass},
		{"mixed-case pass without the flag", rec{dkim: "Pass", spf: "fail"}, nil, Aligned, RulePass},
		{"dkim aligned, spf fail, unknown relay", rec{pass: true, dkim: "pass", spf: "fail",
			dkimD: s("example.com"), dkimR: s("pass"), spfD: s("example.com"), spfR: s("fail")}, nil, Forwarded, RuleForwardingSignature},
		{"dkim aligned, spf softfail, mailbox provider relaying", rec{pass: true, dkim: "pass", spf: "fail",
			dkimD: s("example.com"), dkimR: s("pass"), spfD: s("example.com"), spfR: s("softfail")}, gmail, Forwarded, RuleForwardingSignature},
		{"dkim aligned, spf fail, bulk sender (SPF include missing)", rec{pass: true, dkim: "pass", spf: "fail",
			dkimD: s("example.com"), dkimR: s("pass"), spfD: s("example.com"), spfR: s("fail")}, sendgrid, Aligned, RulePass},
		{"dkim aligned, spf fail, own server vouched", rec{pass: true, dkim: "pass", spf: "fail",
			dkimD: s("example.com"), dkimR: s("pass"), spfD: s("example.com"), spfR: s("fail")}, ownExample, Aligned, RulePass},
		{"dkim aligned, spf fail, own server of another domain", rec{pass: true, dkim: "pass", spf: "fail",
			dkimD: s("example.com"), dkimR: s("pass"), spfD: s("example.com"), spfR: s("fail")}, &senders.Entry{Name: "x", Type: "relay", User: true, Domains: []string{"example.net"}}, Forwarded, RuleForwardingSignature},
		{"dkim aligned, spf none", rec{pass: true, dkim: "pass", spf: "fail",
			dkimD: s("example.com"), dkimR: s("pass"), spfD: s("example.com"), spfR: s("none")}, nil, Aligned, RulePass},
		{"dkim aligned, one spf fail one spf pass", rec{pass: true, dkim: "pass", spf: "fail",
			dkimD: s("example.com"), dkimR: s("pass"), spfD: s("example.com", "helo.example.net"), spfR: s("fail", "pass")}, nil, Aligned, RulePass},
		{"spf aligned and dkim aligned, spf raw fail impossible but safe", rec{pass: true, dkim: "pass", spf: "pass", spfR: s("fail")}, nil, Aligned, RulePass},
		// 4. DMARC fails: misconfigured when the source is legitimate for the domain.
		{"vouched by a user entry for the domain", rec{dkim: "fail", spf: "fail"}, ownExample, Misconfigured, RuleVouched},
		{"vouched by a user entry for any domain", rec{dkim: "fail", spf: "fail"}, ownAny, Misconfigured, RuleVouched},
		{"vouched user vendor", rec{dkim: "fail", spf: "fail", dkimD: s("sendgrid.net"), dkimR: s("pass")}, vendorOurs, Misconfigured, RuleVouched},
		{"vouched for the policy domain, header from a subdomain", rec{dkim: "fail", spf: "fail", headerFrom: "news.example.com"}, ownExample, Misconfigured, RuleVouched},
		{"user entry for another domain", rec{dkim: "fail", spf: "fail", dkimD: s("example.com"), dkimR: s("fail")}, ownOther, Spoofed, RuleUnknown},
		{"dkim passes for a subdomain, adkim=s", rec{dkim: "fail", spf: "fail", dkimD: s("mail.example.com"), dkimR: s("pass")}, nil, Misconfigured, RuleStrictAlignment},
		{"spf passes for a bounce subdomain, aspf=s", rec{dkim: "fail", spf: "fail", spfD: s("bounce.example.com"), spfR: s("pass")}, nil, Misconfigured, RuleStrictAlignment},
		{"header from empty: policy domain used", rec{headerFrom: "-", dkim: "fail", spf: "fail", dkimD: s("mail.example.com"), dkimR: s("pass")}, nil, Misconfigured, RuleStrictAlignment},
		{"known ESP, domain's DKIM signature fails", rec{dkim: "fail", spf: "fail", dkimD: s("example.com", "mcsv.net"), dkimR: s("fail", "pass")}, mailchimp, Misconfigured, RuleProviderIdentity},
		{"known ESP, SPF for the domain's bounce address fails", rec{dkim: "fail", spf: "fail", spfD: s("bounces.example.com"), spfR: s("softfail")}, sendgrid, Misconfigured, RuleProviderIdentity},
		{"known ESP, envelope in the domain", rec{dkim: "fail", spf: "fail", envelopeFrom: "example.com"}, gmail, Misconfigured, RuleProviderIdentity},
		// 4. …and spoofed otherwise.
		{"known ESP, only its own identities", rec{dkim: "fail", spf: "fail", dkimD: s("sendgrid.net"), dkimR: s("pass"), spfD: s("sendgrid.net"), spfR: s("pass")}, sendgrid, Spoofed, RuleUnknown},
		{"ISP network with the domain's failing signature", rec{dkim: "fail", spf: "fail", dkimD: s("example.com"), dkimR: s("fail"), envelopeFrom: "example.com"}, chinaTel, Spoofed, RuleUnknown},
		{"hosting network with the domain's envelope", rec{dkim: "fail", spf: "fail", spfD: s("example.com"), spfR: s("fail")}, aws, Spoofed, RuleUnknown},
		{"unknown source with the domain's failing signature", rec{dkim: "fail", spf: "fail", dkimD: s("example.com"), dkimR: s("fail")}, nil, Spoofed, RuleUnknown},
		{"lookalike domain passes", rec{dkim: "fail", spf: "fail", dkimD: s("examp1e.com"), dkimR: s("pass")}, nil, Spoofed, RuleUnknown},
		{"nothing at all", rec{}, nil, Spoofed, RuleUnknown},
		{"results longer than domains", rec{dkim: "fail", spf: "fail", dkimR: s("pass", "pass"), spfR: s("pass")}, nil, Spoofed, RuleUnknown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, rule := Decide(tc.r.doc(), tc.sender)
			if got != tc.want || rule != tc.rule {
				t.Errorf("got %s (%s), want %s (%s)", got, rule, tc.want, tc.rule)
			}
		})
	}
}
