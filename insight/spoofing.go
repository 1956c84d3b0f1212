package insight

import (
	"cmp"
	"maps"
	"slices"
)

// spoofing lists the sources of spoofed mail, most messages first, and how
// many were left out.
func spoofing(rows map[AggKey]int64) ([]Spoof, int) {
	type acc struct {
		Spoof
		reporters map[string]bool
	}
	byIP := map[string]*acc{}
	for k, n := range rows {
		if verdictOf(k) != verdictSpoofed {
			continue
		}
		a := byIP[k.IP]
		if a == nil {
			a = &acc{Spoof: Spoof{IP: k.IP, Dispositions: map[string]int64{}}, reporters: map[string]bool{}}
			byIP[k.IP] = a
		}
		// The enrichment of one IP is the same in every record of a run;
		// should it differ (two runs), the smallest value wins, in any order.
		a.PTR = minNonEmpty(a.PTR, k.PTR)
		a.ASOrg = minNonEmpty(a.ASOrg, k.ASOrg)
		a.Country = minNonEmpty(a.Country, k.Country)
		if k.ASN != 0 && (a.ASN == 0 || k.ASN < a.ASN) {
			a.ASN = k.ASN
		}
		a.Messages += n
		disp := k.Disposition
		if disp == "" {
			disp = "none"
		}
		a.Dispositions[disp] += n
		if k.Reporter != "" {
			a.reporters[k.Reporter] = true
		}
	}
	out := make([]Spoof, 0, len(byIP))
	for _, a := range byIP {
		s := a.Spoof
		s.Reporters = slices.Sorted(maps.Keys(a.reporters))
		if s.Reporters == nil {
			s.Reporters = []string{}
		}
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b Spoof) int { return cmp.Or(cmp.Compare(b.Messages, a.Messages), cmp.Compare(a.IP, b.IP)) })
	if len(out) > maxSpoofingSources {
		return out[:maxSpoofingSources], len(out) - maxSpoofingSources
	}
	return out, 0
}

func minNonEmpty(a, b string) string {
	if a == "" || (b != "" && b < a) {
		return b
	}
	return a
}
