// Package verdict classifies an aggregate record: aligned, forwarded,
// misconfigured or spoofed. docs/enrichment.md states the rules; Decide
// applies them in order and names the rule that decided.
package verdict

import (
	"strings"

	"github.com/dmarc-agent/dmarc-agent/enrich/psl"
	"github.com/dmarc-agent/dmarc-agent/enrich/senders"
	"github.com/dmarc-agent/dmarc-agent/mapping"
)

// Verdicts.
const (
	Aligned       = "aligned"
	Forwarded     = "forwarded"
	Misconfigured = "misconfigured"
	Spoofed       = "spoofed"
)

// Rule names the rule that decided, for tests and debugging.
type Rule string

// Rules in the order they are tried.
const (
	RuleReporterSaysForwarded Rule = "reporter-says-forwarded" // override reason forwarded / mailing_list / trusted_forwarder
	RuleKnownForwarder        Rule = "known-forwarder"         // sender type forwarder
	RuleForwardingSignature   Rule = "forwarding-signature"    // aligned DKIM pass, SPF fail, relay not a bulk sender
	RulePass                  Rule = "dmarc-pass"
	RuleVouched               Rule = "vouched-by-user"  // a user sender entry lists the domain
	RuleStrictAlignment       Rule = "strict-alignment" // authenticated as the same organisation, failed strict mode
	RuleProviderIdentity      Rule = "provider-identity"
	RuleUnknown               Rule = "unknown-source"
	// RulePassUnknown: DMARC pass is neither reported nor derivable; the
	// verdict is left empty.
	RulePassUnknown Rule = "pass-unknown"
)

// bulk are sender types that send on behalf of their customers and do not
// relay other people's mail, so an SPF failure there is not forwarding.
var bulk = map[string]bool{
	senders.TypeESP: true, senders.TypeMarketing: true, senders.TypeTransactional: true,
	senders.TypeCRM: true, senders.TypeHelpdesk: true, senders.TypeOwn: true,
}

// networks are sender types that say where an address is, not who sends.
var networks = map[string]bool{senders.TypeISP: true, senders.TypeHosting: true}

// Decide classifies doc; sender is the matched sender or nil. Call Derive
// first. The verdict is "" when DMARC pass cannot be known.
func Decide(doc *mapping.AggregateDoc, sender *senders.Entry) (string, Rule) {
	from := psl.Normalize(doc.Identifiers.HeaderFrom)
	if from == "" {
		from = psl.Normalize(doc.Policy.Domain)
	}
	vouched := sender != nil && (sender.LegitimateFor(from) || sender.LegitimateFor(doc.Policy.Domain))

	for _, t := range doc.DMARC.Override.Types {
		switch strings.ToLower(t) {
		case "forwarded", "mailing_list", "trusted_forwarder":
			return Forwarded, RuleReporterSaysForwarded
		}
	}
	if sender != nil && sender.Type == senders.TypeForwarder {
		return Forwarded, RuleKnownForwarder
	}
	dkimAligned := is(doc.DMARC.DKIM, "pass") || is(doc.DMARC.DerivedDKIM, "pass")
	spfAligned := is(doc.DMARC.SPF, "pass") || is(doc.DMARC.DerivedSPF, "pass")
	if doc.DMARC.Pass == nil && !dkimAligned && !spfAligned {
		// Neither reported nor derivable: no verdict rather than a guess.
		return "", RulePassUnknown
	}
	if doc.DMARC.Passed() || dkimAligned || spfAligned {
		if dkimAligned && !spfAligned && spfBroken(doc.Auth.SPF) && !vouched && (sender == nil || !bulk[sender.Type]) {
			return Forwarded, RuleForwardingSignature
		}
		return Aligned, RulePass
	}
	if vouched {
		return Misconfigured, RuleVouched
	}
	if sameOrgPassed(doc, from) {
		return Misconfigured, RuleStrictAlignment
	}
	if sender != nil && !sender.User && !networks[sender.Type] && sameOrgTried(doc, from) {
		return Misconfigured, RuleProviderIdentity
	}
	return Spoofed, RuleUnknown
}

func is(got, want string) bool { return strings.EqualFold(strings.TrimSpace(got), want) }

// spfBroken: no SPF check passed and at least one failed or soft-failed,
// which is what a relay not listed in the sender's SPF record produces.
func spfBroken(spf mapping.AuthSPF) bool {
	failed := false
	for _, r := range spf.Results {
		switch {
		case is(r, "pass"):
			return false
		case is(r, "fail"), is(r, "softfail"):
			failed = true
		}
	}
	return failed
}

// sameOrgPassed: a DKIM signature or SPF check passed for a domain of the
// header-from's organisation (relaxed alignment holds, strict did not).
func sameOrgPassed(doc *mapping.AggregateDoc, from string) bool {
	for i, d := range doc.Auth.DKIM.Domains {
		if i < len(doc.Auth.DKIM.Results) && is(doc.Auth.DKIM.Results[i], "pass") && psl.SameOrg(d, from) {
			return true
		}
	}
	for i, d := range doc.Auth.SPF.Domains {
		if i < len(doc.Auth.SPF.Results) && is(doc.Auth.SPF.Results[i], "pass") && psl.SameOrg(d, from) {
			return true
		}
	}
	return false
}

// sameOrgTried: the message carried an identity of the header-from's
// organisation (a DKIM signature, an SPF-checked or envelope domain), even
// though it did not pass: the sender was set up for the domain but its
// key or SPF record is wrong.
func sameOrgTried(doc *mapping.AggregateDoc, from string) bool {
	for _, d := range doc.Auth.DKIM.Domains {
		if psl.SameOrg(d, from) {
			return true
		}
	}
	for _, d := range doc.Auth.SPF.Domains {
		if psl.SameOrg(d, from) {
			return true
		}
	}
	return psl.SameOrg(doc.Identifiers.EnvelopeFrom, from)
}
