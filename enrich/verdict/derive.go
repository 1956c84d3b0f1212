package verdict

import (
	"github.com/dmarc-agent/dmarc-agent/enrich/psl"
	"github.com/dmarc-agent/dmarc-agent/mapping"
)

// Derive works out DMARC pass for a record whose policy_evaluated lacks
// dkim or spf (a 2012 reporter sends only the disposition), from
// auth_results and the published adkim/aspf, as RFC 7489 section 3.1 does:
// a DKIM signature or SPF check that passed for a domain aligned with the
// header From (the same domain in strict mode, the same registered domain,
// by the ICANN Public Suffix List, in relaxed mode).
//
// What the reporter wrote is never changed: the computed alignments go to
// DerivedDKIM and DerivedSPF, Pass is set, and Derived says so. A value that
// cannot be known stays absent: without a header_from nothing is derived;
// without any auth_results neither is; without SPF results, SPF is unknown.
// A record whose auth_results list SPF checks but no DKIM signature had no
// signature to align: DKIM fails. Derive does nothing when Pass is known.
func Derive(doc *mapping.AggregateDoc) {
	d := &doc.DMARC
	if d.Pass != nil {
		return
	}
	from := psl.Normalize(doc.Identifiers.HeaderFrom)
	dkim, spf := d.DKIM, d.SPF
	if dkim == "" {
		d.DerivedDKIM = dkimAlignment(doc, from)
		dkim = d.DerivedDKIM
	}
	if spf == "" {
		d.DerivedSPF = spfAlignment(doc, from)
		spf = d.DerivedSPF
	}
	switch {
	case dkim == "pass" || spf == "pass":
		d.Pass = mapping.PassOf(true)
	case dkim != "" && spf != "":
		d.Pass = mapping.PassOf(false)
	}
	d.Derived = d.DerivedDKIM != "" || d.DerivedSPF != ""
}

// dkimAlignment is "pass", "fail", or "" when it cannot be known.
func dkimAlignment(doc *mapping.AggregateDoc, from string) string {
	k := &doc.Auth.DKIM
	if from == "" || len(k.Results) == 0 && len(doc.Auth.SPF.Results) == 0 {
		return ""
	}
	for i, dom := range k.Domains {
		if i < len(k.Results) && is(k.Results[i], "pass") && aligned(dom, from, doc.Policy.ADKIM) {
			return "pass"
		}
	}
	return "fail"
}

// spfAlignment is "pass", "fail", or "" when it cannot be known. Only the
// MAIL FROM check counts (an empty scope is taken for it); a HELO check
// counts only when there is no MAIL FROM check, as when MAIL FROM is null.
func spfAlignment(doc *mapping.AggregateDoc, from string) string {
	s := &doc.Auth.SPF
	if from == "" || len(s.Results) == 0 {
		return ""
	}
	mfrom := func(i int) bool {
		return i >= len(s.Scopes) || s.Scopes[i] == "" || is(s.Scopes[i], "mfrom")
	}
	anyMfrom := false
	for i := range s.Results {
		anyMfrom = anyMfrom || mfrom(i)
	}
	for i, r := range s.Results {
		if mfrom(i) != anyMfrom || i >= len(s.Domains) {
			continue
		}
		if is(r, "pass") && aligned(s.Domains[i], from, doc.Policy.ASPF) {
			return "pass"
		}
	}
	return "fail"
}

// aligned applies DMARC identifier alignment: strict ("s") needs the same
// domain, relaxed (the default) the same registered domain.
func aligned(domain, from, mode string) bool {
	domain = psl.Normalize(domain)
	if domain == "" {
		return false
	}
	if domain == from {
		return true
	}
	return !is(mode, "s") && psl.SameOrg(domain, from)
}
