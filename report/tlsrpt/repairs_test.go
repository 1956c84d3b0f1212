package tlsrpt

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestParseRepairs covers what real reporters send that RFC 8460 does not
// allow: each is read, and the report or policy says what was repaired.
func TestParseRepairs(t *testing.T) {
	const head = `{"organization-name":"Big Mail","report-id":"r1","date-range":`
	const zoned = `{"start-datetime":"2023-01-10T00:00:00Z","end-datetime":"2023-01-10T23:59:59Z"}`
	polA := `{"policy":{"policy-type":"sts","policy-domain":"Example.COM."},"summary":{"total-successful-session-count":5,"total-failure-session-count":0}}`
	polNone := `{"policy":{"policy-type":"no-policy-found"},"summary":{"total-successful-session-count":3,"total-failure-session-count":1}}`
	polB := `{"policy":{"policy-type":"sts","policy-domain":"example.org"},"summary":{"total-successful-session-count":1,"total-failure-session-count":0}}`
	day := time.Date(2023, 1, 10, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name             string
		in               string
		start, end       time.Time
		repairs          []string
		domains          []string
		policyRepairs    [][]string
		successes, fails []int64
	}{
		{"date-times without a zone are UTC",
			head + `{"start-datetime":"2023-01-10T00:00:00","end-datetime":"2023-01-10T23:59:59.5"},"policies":[` + polA + `]}`,
			day, day.Add(24*time.Hour - time.Second/2), []string{RepairZonelessDate}, []string{"example.com"}, [][]string{nil}, []int64{5}, []int64{0}},
		{"no-policy-found without a domain takes the report's",
			head + zoned + `,"policies":[` + polA + `,` + polNone + `]}`,
			day, day.Add(24*time.Hour - time.Second), nil, []string{"example.com", "example.com"}, [][]string{nil, {RepairDomainInferred}}, []int64{5, 3}, []int64{0, 1}},
		{"alone, a policy without a domain is kept without one",
			head + zoned + `,"policies":[` + polNone + `]}`,
			day, day.Add(24*time.Hour - time.Second), nil, []string{""}, [][]string{{RepairDomainMissing}}, []int64{3}, []int64{1}},
		{"two domains: nothing to infer",
			head + zoned + `,"policies":[` + polA + `,` + polB + `,` + polNone + `]}`,
			day, day.Add(24*time.Hour - time.Second), nil, []string{"example.com", "example.org", ""}, [][]string{nil, nil, {RepairDomainMissing}}, []int64{5, 1, 3}, []int64{0, 0, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := Parse(strings.NewReader(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if !rep.Start.Equal(tc.start) || !rep.End.Equal(tc.end) || rep.Start.Location() != time.UTC {
				t.Errorf("range %v - %v, want %v - %v (UTC)", rep.Start, rep.End, tc.start, tc.end)
			}
			if !reflect.DeepEqual(rep.Repairs, tc.repairs) {
				t.Errorf("report repairs %q, want %q", rep.Repairs, tc.repairs)
			}
			if len(rep.Policies) != len(tc.domains) {
				t.Fatalf("%d policies, want %d", len(rep.Policies), len(tc.domains))
			}
			for i, p := range rep.Policies {
				if p.Domain != tc.domains[i] || !reflect.DeepEqual(p.Repairs, tc.policyRepairs[i]) ||
					p.Successful != tc.successes[i] || p.Failed != tc.fails[i] {
					t.Errorf("policy %d: domain %q repairs %q sessions %d/%d; want %q %q %d/%d", i+1,
						p.Domain, p.Repairs, p.Successful, p.Failed, tc.domains[i], tc.policyRepairs[i], tc.successes[i], tc.fails[i])
				}
			}
		})
	}
}
