package insight

import "strings"

// The readiness rule (docs/report.md, "Readiness"):
//
//  1. p=reject applied to all mail (pct absent or 100, not in test mode):
//     enforced.
//  2. Fewer than MinDays days with reports: not-ready (too little data).
//  3. No legitimate mail (every message spoofed): ready-for-reject, since a
//     domain that sends no mail loses nothing by rejecting.
//  4. Aligned share of legitimate mail below AlignedThreshold: not-ready;
//     the misconfigured senders are the blockers. Legitimate mail is what
//     the verdict calls aligned or misconfigured; the aligned share is
//     aligned / (aligned + misconfigured). Forwarded mail is left out: its
//     failures come from the forwarder, not from the domain's senders.
//  5. Otherwise ready-for-reject when p=quarantine (all mail) or p=reject
//     with pct below 100 or in test mode is published, else
//     ready-for-quarantine.
const (
	MinDays          = 7
	AlignedThreshold = 0.98
)

func readiness(d Domain, days int, tr Translator) Readiness {
	var aligned, misconfigured int64
	blockers := []string{}
	for _, s := range d.Senders {
		switch s.Verdict {
		case verdictAligned:
			aligned += s.Messages
		case verdictMisconfig:
			misconfigured += s.Messages
			blockers = append(blockers, s.Name)
		}
	}
	r := Readiness{AlignedShare: ratio(aligned, aligned+misconfigured), DaysOfData: days, Blockers: []string{}}
	p := d.Policy
	full := (p.Pct == nil || *p.Pct == 100) && !strings.EqualFold(p.Testing, "y")
	pct := 100 * r.AlignedShare
	switch {
	case p.P == "reject" && full:
		r.Verdict, r.Reason = Enforced, tr.T("readiness.enforced")
	case days < MinDays:
		r.Verdict, r.Reason = NotReady, tr.T("readiness.few-days", days, MinDays)
	case aligned+misconfigured == 0:
		r.Verdict, r.Reason = ReadyForReject, tr.T("readiness.no-mail", days)
	case r.AlignedShare < AlignedThreshold:
		r.Verdict, r.Reason = NotReady, tr.T("readiness.misaligned", pct, int(100*AlignedThreshold), len(blockers))
		r.Blockers = blockers
	case p.P == "quarantine" && full, p.P == "reject":
		r.Verdict, r.Reason = ReadyForReject, tr.T("readiness.ready-reject", pct, days)
	default:
		r.Verdict, r.Reason = ReadyForQuarantine, tr.T("readiness.ready-quarantine", pct, days)
	}
	return r
}
