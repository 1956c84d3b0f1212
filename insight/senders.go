package insight

import (
	"cmp"
	"maps"
	"slices"
	"strings"

	"github.com/dmarc-agent/dmarc-agent/enrich/psl"
)

type senderKey struct{ name, verdict string }

type senderAcc struct {
	Sender
	ips, countries, unreadable map[string]bool
	passed                     int64
}

// senders groups a domain's records by sender (catalogue name, else AS)
// and verdict, largest first.
func senders(domain string, rows map[AggKey]int64, f *Facts, tr Translator) []Sender {
	acc := map[senderKey]*senderAcc{}
	for k, n := range rows {
		name, kind := groupName(k.Sender, k.ASN, k.ASOrg, tr)
		if kind == "" {
			kind = k.SenderType
		}
		sk := senderKey{name, verdictOf(k)}
		a := acc[sk]
		if a == nil {
			a = &senderAcc{Sender: Sender{Name: name, Type: kind, Verdict: sk.verdict},
				ips: map[string]bool{}, countries: map[string]bool{}, unreadable: map[string]bool{}}
			acc[sk] = a
		}
		a.Messages += n
		if k.Pass {
			a.passed += n
		}
		if k.IP != "" {
			a.ips[k.IP] = true
		} else if k.Address != "" {
			a.unreadable[k.Address] = true
		}
		if k.Country != "" {
			a.countries[k.Country] = true
		}
	}
	out := make([]Sender, 0, len(acc))
	for sk, a := range acc {
		s := a.Sender
		s.PassRate = ratio(a.passed, a.Messages)
		s.IPs = len(a.ips)
		s.Unreadable = slices.Sorted(maps.Keys(a.unreadable))
		s.Countries = slices.Sorted(maps.Keys(a.countries))
		if s.Countries == nil {
			s.Countries = []string{}
		}
		if sk.verdict == verdictMisconfig {
			dk, sp := authDomains(f, domain, sk, tr)
			s.Fix = fix(domain, dk, sp, tr)
		}
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b Sender) int {
		return cmp.Or(cmp.Compare(b.Messages, a.Messages), cmp.Compare(a.Name, b.Name), cmp.Compare(a.Verdict, b.Verdict))
	})
	return out
}

// authDomains returns the DKIM and SPF domains seen on the group's mail.
func authDomains(f *Facts, domain string, sk senderKey, tr Translator) (dkim, spf []string) {
	for k := range f.Auth {
		if k.Domain != domain || verdictOf(AggKey{Verdict: k.Verdict}) != sk.verdict {
			continue
		}
		if name, _ := groupName(k.Sender, k.ASN, k.ASOrg, tr); name != sk.name {
			continue
		}
		switch k.Kind {
		case "dkim":
			dkim = append(dkim, k.Value)
		case "spf":
			spf = append(spf, k.Value)
		}
	}
	slices.Sort(dkim)
	slices.Sort(spf)
	return slices.Compact(dkim), slices.Compact(spf)
}

// fix says what to change for a misconfigured sender: which DKIM d= is
// missing and which SPF domain is not aligned with the policy domain.
func fix(domain string, dkim, spf []string, tr Translator) string {
	var parts []string
	var ownDKIM, otherDKIM, ownSPF, otherSPF []string
	for _, d := range dkim {
		if psl.SameOrg(d, domain) {
			ownDKIM = append(ownDKIM, d)
		} else {
			otherDKIM = append(otherDKIM, d)
		}
	}
	for _, d := range spf {
		if psl.SameOrg(d, domain) {
			ownSPF = append(ownSPF, d)
		} else {
			otherSPF = append(otherSPF, d)
		}
	}
	switch {
	case len(ownDKIM) > 0:
		parts = append(parts, tr.T("fix.dkim.failing", strings.Join(ownDKIM, ", ")))
	case len(otherDKIM) > 0:
		parts = append(parts, tr.T("fix.dkim.other", domain, strings.Join(otherDKIM, ", ")))
	default:
		parts = append(parts, tr.T("fix.dkim.none", domain))
	}
	switch {
	case len(otherSPF) > 0:
		parts = append(parts, tr.T("fix.spf.other", strings.Join(otherSPF, ", "), domain))
	case len(ownSPF) > 0:
		parts = append(parts, tr.T("fix.spf.failing", strings.Join(ownSPF, ", ")))
	}
	return strings.Join(parts, tr.T("sep.sentence"))
}
