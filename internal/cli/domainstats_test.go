package cli

import (
	"reflect"
	"testing"

	"github.com/dmarc-agent/dmarc-agent/mapping"
)

func aggDoc(domain, ip, address string, count int64, pass *bool) *mapping.AggregateDoc {
	d := &mapping.AggregateDoc{}
	d.Policy.Domain = domain
	d.Source.IP, d.Source.Address = ip, address
	d.Message.Count = count
	d.DMARC.Pass = pass
	return d
}

// A report's tally counts passing, failing (by the address as written)
// and unknown records of its domain; the summary merges it once per
// distinct report, so a copy of the same report counts nothing again.
func TestReportTallyMergesPerReport(t *testing.T) {
	yes, no := true, false
	tally := func() *reportTally {
		r := newReportTally().(*reportTally)
		r.Add(aggDoc("example.com", "192.0.2.1", "", 10, &yes))
		r.Add(aggDoc("example.com", "2001:db8::1", "", 3, &no))
		r.Add(aggDoc("example.com", "2001:db8::1", "", 2, &no))
		r.Add(aggDoc("example.com", "", "mail.example.net", 4, &no)) // not an IP: kept as written
		r.Add(aggDoc("example.com", "192.0.2.9", "", 7, nil))        // unknown: neither
		return r
	}
	domains := map[string]*domainStats{}
	tally().mergeInto(domains)
	tally().mergeInto(domains) // a second, distinct report of the same domain
	d := domains["example.com"]
	if len(domains) != 1 || d == nil || d.Messages != 52 || d.Passed != 20 {
		t.Fatalf("domains %+v, example.com %+v", domains, d)
	}
	want := []sourceCount{{"2001:db8::1", 10}, {"mail.example.net", 8}}
	if got := d.TopFailing(5); !reflect.DeepEqual(got, want) {
		t.Errorf("top failing %+v, want %+v", got, want)
	}
	if r := d.PassRate(); r != 20.0/52 {
		t.Errorf("pass rate %v", r)
	}
}

// A record of another domain inside one report (never seen in real
// reports, whose records share the policy) is still counted under its own
// domain.
func TestReportTallyOtherDomain(t *testing.T) {
	no := false
	r := newReportTally().(*reportTally)
	r.Add(aggDoc("example.com", "192.0.2.1", "", 1, &no))
	r.Add(aggDoc("example.org", "192.0.2.2", "", 2, &no))
	domains := map[string]*domainStats{}
	r.mergeInto(domains)
	if len(domains) != 2 || domains["example.com"].Messages != 1 || domains["example.org"].Messages != 2 ||
		domains["example.org"].TopFailing(1)[0].IP != "192.0.2.2" {
		t.Errorf("domains %+v", domains)
	}
}
