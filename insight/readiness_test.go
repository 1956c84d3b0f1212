package insight

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// keys is a Translator that shows the key and its arguments.
type keys struct{}

func (keys) T(key string, args ...any) string {
	if key == "sep.sentence" {
		return " | "
	}
	parts := []string{key}
	for _, a := range args {
		parts = append(parts, fmt.Sprint(a))
	}
	return strings.Join(parts, " ")
}
func (keys) Lang() string { return "test" }

func pct(n int64) *int64 { return &n }

// TestReadinessRule walks the rule of docs/report.md, edge by edge.
func TestReadinessRule(t *testing.T) {
	senders := func(aligned, misconfigured, forwarded, spoofed int64) []Sender {
		return []Sender{
			{Name: "Own", Verdict: verdictAligned, Messages: aligned},
			{Name: "Newsletter", Verdict: verdictMisconfig, Messages: misconfigured},
			{Name: "List", Verdict: verdictForwarded, Messages: forwarded},
			{Name: "Spoofer", Verdict: verdictSpoofed, Messages: spoofed},
		}
	}
	for _, c := range []struct {
		name     string
		policy   Policy
		days     int
		senders  []Sender
		verdict  string
		blockers []string
		reason   string
	}{
		{"p=reject everywhere", Policy{P: "reject"}, 1, senders(50, 50, 0, 0), Enforced, nil, "readiness.enforced"},
		{"p=reject pct=100", Policy{P: "reject", Pct: pct(100)}, 1, senders(1, 0, 0, 0), Enforced, nil, "readiness.enforced"},
		{"p=reject pct=50 is not enforced", Policy{P: "reject", Pct: pct(50)}, 7, senders(99, 1, 0, 0), ReadyForReject, nil, "readiness.ready-reject 99 7"},
		{"p=reject in test mode", Policy{P: "reject", Testing: "y"}, 7, senders(100, 0, 0, 0), ReadyForReject, nil, "readiness.ready-reject 100 7"},
		{"six days are too few", Policy{P: "none"}, 6, senders(100, 0, 0, 0), NotReady, nil, "readiness.few-days 6 7"},
		{"seven days are enough", Policy{P: "none"}, 7, senders(100, 0, 0, 0), ReadyForQuarantine, nil, "readiness.ready-quarantine 100 7"},
		{"exactly 98 % aligned passes", Policy{P: "none"}, 7, senders(98, 2, 500, 900), ReadyForQuarantine, nil, "readiness.ready-quarantine 98 7"},
		{"below 98 % names the blockers", Policy{P: "none"}, 7, senders(97, 3, 0, 0), NotReady, []string{"Newsletter"}, "readiness.misaligned 97 98 1"},
		{"forwarded mail does not count", Policy{P: "none"}, 7, senders(100, 0, 1000, 0), ReadyForQuarantine, nil, "readiness.ready-quarantine 100 7"},
		{"p=quarantine next is reject", Policy{P: "quarantine"}, 30, senders(100, 0, 0, 0), ReadyForReject, nil, "readiness.ready-reject 100 30"},
		{"p=quarantine pct=10 next is quarantine at 100 %", Policy{P: "quarantine", Pct: pct(10)}, 30, senders(100, 0, 0, 0), ReadyForQuarantine, nil, "readiness.ready-quarantine 100 30"},
		{"only spoofing: reject", Policy{P: "none"}, 7, senders(0, 0, 0, 40), ReadyForReject, nil, "readiness.no-mail 7"},
		{"only spoofing, too few days", Policy{P: "none"}, 3, senders(0, 0, 0, 40), NotReady, nil, "readiness.few-days 3 7"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := readiness(Domain{Policy: c.policy, Senders: c.senders}, c.days, keys{})
			if r.Verdict != c.verdict || !slices.Equal(r.Blockers, append([]string{}, c.blockers...)) || r.Reason != c.reason || r.DaysOfData != c.days {
				t.Errorf("got %+v, want %s %v %q", r, c.verdict, c.blockers, c.reason)
			}
		})
	}
}

func TestFix(t *testing.T) {
	for _, c := range []struct {
		dkim, spf []string
		want      string
	}{
		{nil, nil, "fix.dkim.none example.net"},
		{[]string{"sendgrid.net"}, []string{"sendgrid.net"}, "fix.dkim.other example.net sendgrid.net | fix.spf.other sendgrid.net example.net"},
		{[]string{"mail.example.net", "mcdlv.net"}, []string{"bounce.example.net"}, "fix.dkim.failing mail.example.net | fix.spf.failing bounce.example.net"},
		{[]string{"a.example", "b.example"}, nil, "fix.dkim.other example.net a.example, b.example"},
	} {
		if got := fix("example.net", c.dkim, c.spf, keys{}); got != c.want {
			t.Errorf("fix(%v, %v) = %q, want %q", c.dkim, c.spf, got, c.want)
		}
	}
}
