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
	type source struct{ ip, address string }
	byIP := map[source]*acc{}
	for k, n := range rows {
		if verdictOf(k) != verdictSpoofed {
			continue
		}
		src := source{k.IP, ""}
		if k.IP == "" {
			src.address = k.Address // unreadable: grouped by the text as written
		}
		a := byIP[src]
		if a == nil {
			a = &acc{Spoof: Spoof{IP: src.ip, Address: src.address, Dispositions: map[string]int64{}}, reporters: map[string]bool{}}
			byIP[src] = a
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
	slices.SortFunc(out, func(a, b Spoof) int {
		return cmp.Or(cmp.Compare(b.Messages, a.Messages), cmp.Compare(a.IP, b.IP), cmp.Compare(a.Address, b.Address))
	})
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
