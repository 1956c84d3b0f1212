package main

import (
	"fmt"
	"time"
)

// The story of example.net, a small company, over two weeks of November
// 2026 with p=none:
//   - its staff mail goes through Google Workspace (aligned);
//   - the sales team's Microsoft 365 tenant signs with d=example.net (aligned);
//   - order confirmations go through Amazon SES with d=example.net (aligned);
//   - the newsletter goes through SendGrid, signed only as sendgrid.net, with
//     a return path em4821.example.net whose SPF record lacks SendGrid
//     (misconfigured: the one thing to fix before p=quarantine);
//   - a few messages are forwarded by an Outlook.com mailbox (forwarded);
//   - from 14 to 19 November a spoofing campaign comes from consumer lines of
//     VNPT in Viet Nam, and a few messages from Claro in Brazil (spoofed).
//
// Receivers: Google and Microsoft, one report a day each; one failure report
// about the campaign; one SMTP TLS report showing an expired certificate on
// the second MX.
const storyDomain = "example.net"

var storyStart = time.Date(2026, 11, 9, 0, 0, 0, 0, time.UTC)

func story(dir string) {
	for day := range 14 {
		begin := storyStart.AddDate(0, 0, day)
		weekend := begin.Weekday() == time.Saturday || begin.Weekday() == time.Sunday
		scale := 1.0
		if weekend {
			scale = 0.3
		}
		n := func(base int) int { return max(1, int(float64(base+(day*7)%11)*scale)) }
		newsletter := begin.Weekday() == time.Tuesday || begin.Weekday() == time.Thursday
		campaign := day >= 5 && day <= 10

		g := report{org: "google.com", email: "noreply-dmarc-support@google.com", domain: storyDomain, p: "none", sp: "none", pct: 100,
			id: fmt.Sprintf("%d", 17630000000000000000+uint64(day)*1373), begin: begin}
		g.records = append(g.records,
			workspace("209.85.220.41", n(48)), workspace("209.85.220.69", n(31)),
			ses("54.240.27.18", n(36)), m365("40.107.22.55", n(14)),
			forwardedOutlook("40.92.58.17", 1+day%3),
		)
		if newsletter {
			g.records = append(g.records, sendgrid("167.89.101.77", 41), sendgrid("149.72.154.232", 27))
		} else if !weekend {
			g.records = append(g.records, sendgrid("167.89.101.77", 3))
		}
		if campaign {
			g.records = append(g.records, spoof("14.161.5.88", 60+day*13), spoof("113.172.22.41", 35+day*5))
			if day%2 == 0 {
				g.records = append(g.records, spoof("189.6.44.120", 4))
			}
		}

		m := report{org: "Enterprise Outlook", email: "dmarcreport@microsoft.com", domain: storyDomain, p: "none", sp: "none", pct: 100,
			id: fmt.Sprintf("%x", 0x5a1e0000+day*0x1f3), begin: begin}
		m.records = append(m.records,
			workspace("209.85.218.52", n(22)), ses("54.240.27.54", n(19)), m365("52.100.171.205", n(9)),
		)
		if newsletter {
			m.records = append(m.records, sendgrid("149.72.154.232", 18))
		}
		if campaign {
			m.records = append(m.records, spoof("14.169.212.3", 44+day*7), spoof("14.161.5.88", 21+day*3))
		}
		put(dir, g.name()+".gz", gz(g.xml()))
		put(dir, m.name()+".gz", gz(m.xml()))
	}
	put(dir, "ruf-example.net-spoof.eml", []byte(storyFailure))
	put(dir, "google.com!example.net!tlsrpt!2026-11-20.json.gz", gz([]byte(storyTLS)))
}

func workspace(ip string, n int) rec {
	return rec{ip: ip, count: n, envelopeFrom: storyDomain,
		dkim: []sig{{storyDomain, "google", "pass"}}, spf: sig{storyDomain, "", "pass"}}
}

func m365(ip string, n int) rec {
	return rec{ip: ip, count: n, envelopeFrom: storyDomain,
		dkim: []sig{{storyDomain, "selector1", "pass"}, {"examplenet.onmicrosoft.com", "selector1-examplenet", "pass"}},
		spf:  sig{storyDomain, "", "pass"}}
}

func ses(ip string, n int) rec {
	return rec{ip: ip, count: n, envelopeFrom: "amazonses.com",
		dkim: []sig{{storyDomain, "t3xk2pm7", "pass"}, {"amazonses.com", "ug7nbtf4", "pass"}}, spf: sig{"amazonses.com", "", "pass"}}
}

func sendgrid(ip string, n int) rec {
	return rec{ip: ip, count: n, envelopeFrom: "em4821.example.net",
		dkim: []sig{{"sendgrid.net", "smtpapi", "pass"}}, spf: sig{"em4821.example.net", "", "softfail"}}
}

func forwardedOutlook(ip string, n int) rec {
	return rec{ip: ip, count: n, envelopeFrom: storyDomain,
		dkim: []sig{{storyDomain, "google", "pass"}}, spf: sig{storyDomain, "", "softfail"}}
}

func spoof(ip string, n int) rec {
	return rec{ip: ip, count: n, envelopeFrom: storyDomain, spf: sig{storyDomain, "", "fail"}}
}

const storyFailure = "Return-Path: <>\r\n" +
	"From: Mail Delivery Subsystem <dmarc-noreply@mx.ocn.example>\r\n" +
	"To: dmarc-ruf@example.net\r\n" +
	"Subject: Report domain: example.net Submitter: mx.ocn.example\r\n" +
	"Date: Mon, 16 Nov 2026 02:41:09 +0000\r\n" +
	"Message-ID: <ruf-20261116-3321@mx.ocn.example>\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/report; report-type=feedback-report; boundary=\"b1\"\r\n" +
	"\r\n" +
	"--b1\r\n" +
	"Content-Type: text/plain; charset=us-ascii\r\n" +
	"\r\n" +
	"This is an authentication failure report for a message from 14.161.5.88.\r\n" +
	"--b1\r\n" +
	"Content-Type: message/feedback-report\r\n" +
	"\r\n" +
	"Feedback-Type: auth-failure\r\n" +
	"Version: 1\r\n" +
	"User-Agent: OCN-FBL/1.0\r\n" +
	"Original-Mail-From: <info@example.net>\r\n" +
	"Original-Rcpt-To: <tanaka@ocn.example>\r\n" +
	"Arrival-Date: Mon, 16 Nov 2026 02:40:51 +0000\r\n" +
	"Reporting-MTA: dns; mx.ocn.example\r\n" +
	"Source-IP: 14.161.5.88\r\n" +
	"Incidents: 1\r\n" +
	"Reported-Domain: example.net\r\n" +
	"Delivery-Result: spam\r\n" +
	"Authentication-Results: mx.ocn.example; dmarc=fail (p=none dis=none) header.from=example.net; spf=fail smtp.mailfrom=example.net; dkim=none\r\n" +
	"Auth-Failure: dmarc, spf\r\n" +
	"--b1\r\n" +
	"Content-Type: text/rfc822-headers\r\n" +
	"\r\n" +
	"From: \"Example Net Support\" <info@example.net>\r\n" +
	"To: tanaka@ocn.example\r\n" +
	"Subject: =?UTF-8?B?44CQ6YeN6KaB44CR44Ki44Kr44Km44Oz44OI44Gu56K66KqN?=\r\n" +
	"Date: Mon, 16 Nov 2026 09:40:44 +0700\r\n" +
	"Message-ID: <a81c2e@example.net>\r\n" +
	"--b1--\r\n"

const storyTLS = `{
  "organization-name": "Google Inc.",
  "date-range": {"start-datetime": "2026-11-20T00:00:00Z", "end-datetime": "2026-11-20T23:59:59Z"},
  "contact-info": "smtp-tls-reporting@google.com",
  "report-id": "2026-11-20T00:00:00Z_example.net",
  "policies": [{
    "policy": {"policy-type": "sts", "policy-string": ["version: STSv1", "mode: enforce", "mx: mx1.example.net", "mx: mx2.example.net", "max_age: 604800"],
      "policy-domain": "example.net", "mx-host": ["mx1.example.net", "mx2.example.net"]},
    "summary": {"total-successful-session-count": 412, "total-failure-session-count": 23},
    "failure-details": [{"result-type": "certificate-expired", "sending-mta-ip": "209.85.220.41",
      "receiving-mx-hostname": "mx2.example.net", "receiving-ip": "198.51.100.52", "failed-session-count": 23}]
  }]
}
`
