package opensearch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/dmarc-agent/dmarc-agent/mapping"
	"github.com/dmarc-agent/dmarc-agent/output"
)

// aggDocs builds n aggregate documents spread over 4 source IPs and two
// months (Oct and Nov 2026), with message.count = i%7+1.
func aggDocs(tb testing.TB, prefix string, n int) ([]output.Doc, []mapping.AggregateDoc) {
	tb.Helper()
	ips := []string{"192.0.2.1", "192.0.2.2", "2001:db8::25", "198.51.100.7"}
	months := []time.Time{time.Date(2026, 10, 3, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 14, 0, 0, 0, 0, time.UTC)}
	pct := 100
	ds := make([]output.Doc, n)
	ads := make([]mapping.AggregateDoc, n)
	for i := range n {
		begin := months[i%2]
		ip := netip.MustParseAddr(ips[i%len(ips)])
		d := mapping.AggregateDoc{
			Timestamp: begin,
			Report: mapping.ReportMeta{OrgName: "google.com", OrgEmail: "noreply-dmarc-support@google.com",
				ID: fmt.Sprintf("r-%d", i/50), Begin: begin, End: begin.Add(24*time.Hour - time.Second), Schema: "rfc7489"},
			Policy: mapping.PolicyPublished{Domain: "example.com", ADKIM: "r", ASPF: "r", P: "none", Pct: &pct},
			Source: mapping.Source{IP: ip.String(), Domain: "mail.example.net", BaseDomain: "example.net",
				Geo:    &mapping.Geo{CountryISOCode: "US", CountryName: "United States", Location: &mapping.GeoPoint{Lat: 37.75, Lon: -97.82}},
				AS:     &mapping.AS{Number: 15169, Organization: &mapping.Organization{Name: "Google LLC"}},
				Sender: &mapping.Sender{Name: "Google Workspace", Type: "email_provider", MatchedBy: "asn"}},
			Message:     mapping.AggMessage{Count: int64(i%7 + 1), Disposition: "none"},
			DMARC:       mapping.DMARCResult{DKIM: "pass", SPF: "fail", Pass: mapping.PassOf(true), Verdict: "forwarded"},
			Identifiers: mapping.Identifiers{HeaderFrom: "example.com"},
			Auth: mapping.Auth{
				DKIM: mapping.AuthDKIM{Domains: []string{"example.com"}, Selectors: []string{"s1"}, Results: []string{"pass"}},
				SPF:  mapping.AuthSPF{Domains: []string{"fwd.example.org"}, Scopes: []string{"mfrom"}, Results: []string{"fail"}},
			},
		}
		body, err := json.Marshal(d)
		if err != nil {
			tb.Fatal(err)
		}
		id := mapping.NewIDBuilder(mapping.KindAggregate).String(d.Report.OrgName).String(d.Report.ID).Int(int64(i)).Sum()
		ds[i] = output.Doc{Index: mapping.IndexName(prefix, mapping.KindAggregate, begin), ID: id, Body: body}
		ads[i] = d
	}
	return ds, ads
}

// ndjson renders docs as one plain _bulk body per batch of size.
func ndjson(ds []output.Doc, size int) [][]byte {
	var out [][]byte
	for i := 0; i < len(ds); i += size {
		var b bytes.Buffer
		for _, d := range ds[i:min(i+size, len(ds))] {
			appendBulk(&b, "create", &item{doc: d})
		}
		out = append(out, b.Bytes())
	}
	return out
}

// leaves returns every leaf property path of a mapping with its type.
func leaves(props map[string]any, prefix string, out map[string]string) {
	for name, v := range props {
		p := name
		if prefix != "" {
			p = prefix + "." + name
		}
		m, _ := v.(map[string]any)
		if sub, ok := m["properties"].(map[string]any); ok {
			leaves(sub, p, out)
			continue
		}
		out[p], _ = m["type"].(string)
	}
}
