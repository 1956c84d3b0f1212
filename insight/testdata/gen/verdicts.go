package main

import (
	"fmt"
	"time"
)

// verdicts writes one domain per readiness verdict, using every sender
// verdict and every kind of fix:
//   - enforced.example: p=reject, one day (enforced needs no history);
//   - quarantine.example: p=none, 8 days, 99 % aligned, with a small
//     misconfigured sender whose DKIM d= fails and whose SPF domain is not
//     aligned (ready-for-quarantine);
//   - reject.example: p=quarantine, 7 days, aligned and forwarded mail, and
//     spoofing that receivers quarantined (ready-for-reject);
//   - parked.example: p=none, 7 days of spoofing only (ready-for-reject);
//   - newly.example: p=none, 2 days (not-ready: too little data);
//   - mixed.example: p=none, 7 days, 80 % aligned (not-ready: blockers).
func verdicts(dir string) {
	start := time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC)
	type dom struct {
		name, p string
		days    int
		recs    func(d string, day int) []rec
	}
	aligned := func(d, ip string, n int) rec {
		return rec{ip: ip, count: n, envelopeFrom: d, dkim: []sig{{d, "s1", "pass"}}, spf: sig{d, "", "pass"}}
	}
	spoofed := func(d, ip string, n int, disp string) rec {
		return rec{ip: ip, count: n, disposition: disp, envelopeFrom: d, spf: sig{d, "", "fail"}}
	}
	doms := []dom{
		{"enforced.example", "reject", 1, func(d string, _ int) []rec {
			return []rec{aligned(d, "209.85.220.41", 50), spoofed(d, "14.161.5.88", 7, "reject")}
		}},
		{"quarantine.example", "none", 8, func(d string, day int) []rec {
			r := []rec{aligned(d, "209.85.220.69", 120+day)}
			if day == 3 {
				// Mailchimp with the domain's own key broken and its own return path.
				r = append(r, rec{ip: "205.201.131.98", count: 9, envelopeFrom: "mail205.atl101.mcdlv.net",
					dkim: []sig{{d, "k1", "fail"}, {"mcdlv.net", "k2", "pass"}}, spf: sig{"mail205.atl101.mcdlv.net", "", "pass"}})
			}
			return r
		}},
		{"reject.example", "quarantine", 7, func(d string, day int) []rec {
			return []rec{aligned(d, "40.107.22.55", 80), aligned(d, "54.240.27.18", 20),
				{ip: "40.92.58.17", count: 2, envelopeFrom: d, dkim: []sig{{d, "s1", "pass"}}, spf: sig{d, "", "fail"}, reason: "forwarded"},
				spoofed(d, "113.172.22.41", 10+day, "quarantine")}
		}},
		{"parked.example", "none", 7, func(d string, day int) []rec {
			return []rec{spoofed(d, "189.6.44.120", 3+day, "none")}
		}},
		{"newly.example", "none", 2, func(d string, _ int) []rec {
			return []rec{aligned(d, "209.85.218.52", 30)}
		}},
		{"mixed.example", "none", 7, func(d string, _ int) []rec {
			return []rec{aligned(d, "209.85.220.41", 40),
				{ip: "167.89.101.77", count: 10, envelopeFrom: "bounces.mixed.example",
					dkim: []sig{{"sendgrid.net", "s1", "pass"}}, spf: sig{"bounces.mixed.example", "", "fail"}}}
		}},
	}
	for _, d := range doms {
		for day := range d.days {
			r := report{org: "google.com", email: "noreply-dmarc-support@google.com", domain: d.name, p: d.p, sp: d.p,
				id: fmt.Sprintf("%s-%d", d.name, day), begin: start.AddDate(0, 0, day), records: d.recs(d.name, day)}
			put(dir, r.name(), r.xml())
		}
	}
}
