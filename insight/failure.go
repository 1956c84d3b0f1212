package insight

import (
	"cmp"
	"maps"
	"slices"
	"strings"
)

func analyzeFailure(f *Facts) Failure {
	out := Failure{TopSources: []Count{}, TopIdentities: []Count{}, AuthFailures: []Count{}}
	sources := map[string]*Count{}
	idents := map[string]int64{}
	for k, n := range f.Failures {
		out.Reports += n
		if k.IP != "" {
			c := sources[k.IP]
			if c == nil {
				c = &Count{Name: k.IP}
				sources[k.IP] = c
			}
			c.Count += n
			detail := strings.TrimSpace(strings.Join(nonEmpty(k.Country, k.ASOrg), " · "))
			c.Detail = minNonEmpty(c.Detail, detail)
		}
		id := k.HeaderFrom
		if k.MailFrom != "" {
			id += " ← " + k.MailFrom
		}
		if id != "" {
			idents[id] += n
		}
	}
	for _, c := range sources {
		out.TopSources = append(out.TopSources, *c)
	}
	for name, n := range idents {
		out.TopIdentities = append(out.TopIdentities, Count{Name: name, Count: n})
	}
	types := map[string]int64{}
	for k, n := range f.FailTypes {
		types[k.Type] += n
	}
	for name, n := range types {
		out.AuthFailures = append(out.AuthFailures, Count{Name: name, Count: n})
	}
	out.TopSources = top(out.TopSources)
	out.TopIdentities = top(out.TopIdentities)
	out.AuthFailures = top(out.AuthFailures)
	return out
}

func nonEmpty(vs ...string) []string {
	var out []string
	for _, v := range vs {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

func top(cs []Count) []Count {
	slices.SortFunc(cs, func(a, b Count) int { return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Name, b.Name)) })
	return cs[:min(len(cs), maxFailureTopCounts)]
}

// tlsFixKeys are the RFC 8460 result types with their own advice.
var tlsFixKeys = []string{
	"starttls-not-supported", "certificate-host-mismatch", "certificate-expired", "certificate-not-trusted",
	"validation-failure", "tlsa-invalid", "dnssec-invalid", "dane-required", "sts-policy-fetch-error",
	"sts-policy-invalid", "sts-webpki-invalid",
}

// TLSFixKeys returns the catalogue keys of the SMTP TLS advice.
func TLSFixKeys() []string {
	keys := []string{"tls.fix.other"}
	for _, t := range tlsFixKeys {
		keys = append(keys, "tls.fix."+t)
	}
	return keys
}

func analyzeTLS(f *Facts, tr Translator) SMTPTLS {
	type acc struct {
		TLSDomain
		reporters, types map[string]bool
	}
	by := map[string]*acc{}
	for k, c := range f.TLS {
		a := by[k.Domain]
		if a == nil {
			a = &acc{TLSDomain: TLSDomain{Domain: k.Domain, Failures: []TLSFailure{}}, reporters: map[string]bool{}, types: map[string]bool{}}
			by[k.Domain] = a
		}
		a.Reports += c.Reports
		a.Successful += c.Successful
		a.Failed += c.Failed
		if k.Reporter != "" {
			a.reporters[k.Reporter] = true
		}
		if k.PolicyType != "" {
			a.types[k.PolicyType] = true
		}
	}
	for k, n := range f.TLSTypes {
		a := by[k.Domain]
		if a == nil {
			continue
		}
		key := "tls.fix.other"
		if slices.Contains(tlsFixKeys, k.Type) {
			key = "tls.fix." + k.Type
		}
		a.Failures = append(a.Failures, TLSFailure{Type: k.Type, Reports: n, Fix: tr.T(key)})
	}
	out := SMTPTLS{Domains: []TLSDomain{}}
	for _, name := range slices.Sorted(maps.Keys(by)) {
		a := by[name]
		d := a.TLSDomain
		d.Reporters = slices.Sorted(maps.Keys(a.reporters))
		d.PolicyTypes = slices.Sorted(maps.Keys(a.types))
		slices.SortFunc(d.Failures, func(x, y TLSFailure) int {
			return cmp.Or(cmp.Compare(y.Reports, x.Reports), cmp.Compare(x.Type, y.Type))
		})
		out.Domains = append(out.Domains, d)
	}
	return out
}
