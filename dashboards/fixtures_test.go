package dashboards

import (
	"time"

	"github.com/dmarc-agent/dmarc-agent/mapping"
)

// fixture is one document to index: its kind, date and body.
type fixture struct {
	kind mapping.Kind
	at   time.Time
	doc  any
}

func intp(i int) *int { return &i }

// fixtures returns realistic documents of every kind, dated in the last
// days so the dashboards' default time range (last 30 days) covers them.
// They cover every verdict, an RFC 9990 report without pct, two DKIM
// signatures in one record, an override, failure and SMTP TLS reports.
func fixtures(now time.Time) []fixture {
	day := now.UTC().Truncate(24*time.Hour).AddDate(0, 0, -1)
	google := mapping.ReportMeta{OrgName: "google.com", OrgEmail: "noreply-dmarc-support@google.com", ID: "1761004800123456789", Begin: day.AddDate(0, 0, -3), End: day.AddDate(0, 0, -2), Schema: "rfc7489"}
	microsoft := mapping.ReportMeta{OrgName: "Enterprise Outlook", OrgEmail: "dmarcreport@microsoft.com", ID: "e2d1c4b9a8f74a6c9c1f", Begin: day.AddDate(0, 0, -2), End: day.AddDate(0, 0, -1), Schema: "rfc7489"}
	yahoo := mapping.ReportMeta{OrgName: "Yahoo", OrgEmail: "dmarchelp@yahooinc.com", ID: "1762123456.789", Begin: day.AddDate(0, 0, -1), End: day, Schema: "rfc9990", Generator: "Yahoo DMARC 2.0"}
	google2 := google
	google2.ID, google2.Begin, google2.End = "1762300000987654321", day, day.AddDate(0, 0, 1)

	exampleCom := mapping.PolicyPublished{Domain: "example.com", ADKIM: "r", ASPF: "r", P: "none", SP: "quarantine", Pct: intp(100), FO: "1"}
	exampleCom2 := exampleCom
	exampleCom2.P, exampleCom2.Pct = "quarantine", intp(50)
	exampleOrg := mapping.PolicyPublished{Domain: "example.org", P: "reject", NP: "reject", Testing: "n", DiscoveryMethod: "treewalk"}

	googleSrc := mapping.Source{IP: "209.85.220.41", Domain: "mail-sor-f41.google.com", BaseDomain: "google.com",
		Geo:    &mapping.Geo{CountryISOCode: "US", CountryName: "United States", Location: &mapping.GeoPoint{Lat: 37.751, Lon: -97.822}},
		AS:     &mapping.AS{Number: 15169, Organization: &mapping.Organization{Name: "GOOGLE"}},
		Sender: &mapping.Sender{Name: "Google Workspace", Type: "email_provider", MatchedBy: "ptr"}}
	espSrc := mapping.Source{IP: "198.2.180.12", Domain: "mail180-12.suw41.mcdlv.net", BaseDomain: "mcdlv.net",
		Geo:    &mapping.Geo{CountryISOCode: "US", CountryName: "United States", Location: &mapping.GeoPoint{Lat: 33.749, Lon: -84.388}},
		AS:     &mapping.AS{Number: 2635, Organization: &mapping.Organization{Name: "AUTOMATTIC"}},
		Sender: &mapping.Sender{Name: "Mailchimp", Type: "marketing", MatchedBy: "ptr"}}
	spoofSrc := mapping.Source{IP: "203.0.113.9",
		Geo: &mapping.Geo{CountryISOCode: "CN", CountryName: "China", Location: &mapping.GeoPoint{Lat: 34.7725, Lon: 113.7266}},
		AS:  &mapping.AS{Number: 4134, Organization: &mapping.Organization{Name: "CHINANET-BACKBONE"}}}
	listSrc := mapping.Source{IP: "2001:db8::25", Domain: "lists.example.edu", BaseDomain: "example.edu",
		Geo:    &mapping.Geo{CountryISOCode: "NL", CountryName: "Netherlands", Location: &mapping.GeoPoint{Lat: 52.3824, Lon: 4.8995}},
		AS:     &mapping.AS{Number: 1103, Organization: &mapping.Organization{Name: "SURFnet"}},
		Sender: &mapping.Sender{Name: "Mailing list", Type: "forwarder", MatchedBy: "ptr"}}

	agg := func(r mapping.ReportMeta, p mapping.PolicyPublished, s mapping.Source, count int64, disp string, d mapping.DMARCResult, id mapping.Identifiers, a mapping.Auth) fixture {
		return fixture{mapping.KindAggregate, r.Begin, mapping.AggregateDoc{Timestamp: r.Begin, Report: r, Policy: p, Source: s,
			Message: mapping.AggMessage{Count: count, Disposition: disp}, DMARC: d, Identifiers: id, Auth: a}}
	}
	fromCom := mapping.Identifiers{HeaderFrom: "example.com", EnvelopeFrom: "example.com"}
	return []fixture{
		agg(google, exampleCom, googleSrc, 120, "none",
			mapping.DMARCResult{DKIM: "pass", SPF: "pass", Pass: mapping.PassOf(true), Verdict: "aligned"}, fromCom,
			mapping.Auth{DKIM: mapping.AuthDKIM{Domains: []string{"example.com"}, Selectors: []string{"google"}, Results: []string{"pass"}},
				SPF: mapping.AuthSPF{Domains: []string{"example.com"}, Scopes: []string{"mfrom"}, Results: []string{"pass"}}}),
		agg(google, exampleCom, espSrc, 40, "none",
			mapping.DMARCResult{DKIM: "fail", SPF: "fail", Pass: mapping.PassOf(false), Verdict: "misconfigured"},
			mapping.Identifiers{HeaderFrom: "example.com", EnvelopeFrom: "mail180-12.suw41.mcdlv.net"},
			mapping.Auth{DKIM: mapping.AuthDKIM{Domains: []string{"mcdlv.net"}, Selectors: []string{"k2"}, Results: []string{"pass"}},
				SPF: mapping.AuthSPF{Domains: []string{"mail180-12.suw41.mcdlv.net"}, Scopes: []string{"mfrom"}, Results: []string{"pass"}}}),
		agg(microsoft, exampleCom, spoofSrc, 15, "none",
			mapping.DMARCResult{DKIM: "fail", SPF: "fail", Pass: mapping.PassOf(false), Verdict: "spoofed"},
			mapping.Identifiers{HeaderFrom: "example.com", EnvelopeFrom: "bulk.example.net"},
			mapping.Auth{SPF: mapping.AuthSPF{Domains: []string{"bulk.example.net"}, Scopes: []string{"mfrom"}, Results: []string{"softfail"}}}),
		agg(microsoft, exampleCom, listSrc, 7, "none",
			mapping.DMARCResult{DKIM: "pass", SPF: "fail", Pass: mapping.PassOf(true), Verdict: "forwarded",
				Override: mapping.Override{Types: []string{"mailing_list"}, Comments: []string{"list expansion"}}},
			mapping.Identifiers{HeaderFrom: "example.com", EnvelopeFrom: "lists.example.edu"},
			mapping.Auth{DKIM: mapping.AuthDKIM{Domains: []string{"example.com"}, Selectors: []string{"google"}, Results: []string{"pass"}},
				SPF: mapping.AuthSPF{Domains: []string{"lists.example.edu"}, Scopes: []string{"mfrom"}, Results: []string{"fail"}}}),
		agg(yahoo, exampleOrg, googleSrc, 30, "none",
			mapping.DMARCResult{DKIM: "pass", SPF: "pass", Pass: mapping.PassOf(true), Verdict: "aligned"},
			mapping.Identifiers{HeaderFrom: "example.org", EnvelopeFrom: "example.org"},
			mapping.Auth{DKIM: mapping.AuthDKIM{Domains: []string{"example.org", "example-org.20230601.gappssmtp.com"}, Selectors: []string{"s1", "20230601"}, Results: []string{"pass", "pass"}},
				SPF: mapping.AuthSPF{Domains: []string{"example.org"}, Scopes: []string{"mfrom"}, Results: []string{"pass"}}}),
		agg(google2, exampleCom2, spoofSrc, 5, "quarantine",
			mapping.DMARCResult{DKIM: "fail", SPF: "fail", Pass: mapping.PassOf(false), Verdict: "spoofed"},
			mapping.Identifiers{HeaderFrom: "example.com", EnvelopeFrom: "example.com"},
			mapping.Auth{SPF: mapping.AuthSPF{Domains: []string{"example.com"}, Scopes: []string{"mfrom"}, Results: []string{"fail"}}}),
		failureFixture(day.AddDate(0, 0, -2).Add(9*time.Hour), spoofSrc, "Your invoice is overdue", "reject"),
		failureFixture(day.AddDate(0, 0, -1).Add(15*time.Hour), espSrc, "November newsletter", "delivered"),
		tlsFixture(day.AddDate(0, 0, -2), "Google Inc.", "2026-11-19T00:00:00Z_example.com", 1200, 3, "certificate-expired", "209.85.220.41"),
		tlsFixture(day.AddDate(0, 0, -1), "Microsoft Corporation", "133456789012345678+example.com", 800, 0, "", ""),
	}
}

func failureFixture(at time.Time, src mapping.Source, subject, delivery string) fixture {
	return fixture{mapping.KindFailure, at, mapping.FailureDoc{
		Timestamp: at,
		Failure: mapping.FailureInfo{FeedbackType: "auth-failure", Format: "arf", Version: "1",
			AuthFailure: []string{"dmarc"}, IdentityAlignment: []string{"none"}, DeliveryResult: delivery,
			ReportedDomain: "example.com", ArrivalDate: at, Incidents: 1, OriginalMailFrom: "bounce@bulk.example.net"},
		Source:      src,
		Identifiers: mapping.FailureIdentifiers{HeaderFrom: "example.com", EnvelopeFrom: "bulk.example.net"},
		Message: mapping.FailureMessage{Subject: subject, MessageID: "<" + at.Format("20060102150405") + "@bulk.example.net>",
			Date: at.Add(-time.Minute), From: "billing@example.com"},
		Auth:     mapping.FailureAuth{Results: []string{"mx.google.com; dmarc=fail (p=NONE) header.from=example.com"}},
		Reporter: mapping.Reporter{MTA: "dns; mx.google.com", Email: "noreply-dmarc-support@google.com", Domain: "google.com"},
	}}
}

func tlsFixture(at time.Time, org, id string, ok, failed int64, result, ip string) fixture {
	doc := mapping.TLSDoc{Timestamp: at, TLS: mapping.TLSFields{
		Report: mapping.TLSReport{OrgName: org, ID: id, ContactInfo: "smtp-tls-reporting@example.net", Begin: at, End: at.AddDate(0, 0, 1)},
		Policy: mapping.TLSPolicy{Type: "sts", Domain: "example.com", MXHost: []string{"mx1.example.com"},
			Strings: []string{"version: STSv1", "mode: enforce", "mx: mx1.example.com", "max_age: 604800"}},
		Summary: mapping.TLSSummary{Successful: ok, Failed: failed, Total: ok + failed},
	}}
	if result != "" {
		doc.TLS.Failure = mapping.TLSFailure{
			ResultTypes: []string{result}, SendingMTAIPs: []string{ip}, ReceivingMXHostnames: []string{"mx1.example.com"},
			ReceivingMXHelos: []string{""}, ReceivingIPs: []string{"192.0.2.10"}, Counts: []int64{failed},
			ReasonCodes: []string{""}, AdditionalInformation: []string{""}, Details: 1, Total: failed,
		}
	}
	return fixture{mapping.KindSMTPTLS, at, doc}
}
