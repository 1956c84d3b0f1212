package main

import "strings"

// fidelity writes one fixture per class of odd report that real receivers
// send (issue 14), in each container where the class matters. The small
// report is the base, so that repaired copies can be checked to keep its
// ids.
func fidelity(small []byte) {
	// 1. Bytes after the gzip member: a CRLF (mail gateway), zero padding;
	// a second member is a valid multi-member stream.
	smallGz := gz(small)
	put(reportsDir, "gzip-trailing-crlf.xml.gz", append(append([]byte(nil), smallGz...), '\r', '\n'))
	put(reportsDir, "gzip-trailing-zeros.xml.gz", append(append([]byte(nil), smallGz...), make([]byte, 512)...))
	half := len(small) / 2
	put(reportsDir, "gzip-two-members.xml.gz", append(gz(small[:half]), gz(small[half:])...))
	put(reportsDir, "gzip-trailing.eml", attachmentMail("application/gzip", "tiny-isp.example!example.com!1700006400!1700006400.xml.gz",
		append(append([]byte(nil), smallGz...), '\r', '\n'), true))
	put(reportsDir, "gzip-trailing.zip", zipOf(entry{"tiny.xml.gz", append(append([]byte(nil), smallGz...), "\r\n\r\n"...)}))

	// 2. <feedback> inside a stray unclosed <xs:schema>, or after a closed element.
	schema := replace(small, "<feedback>", `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" elementFormDefault="qualified">`+"\n<feedback>")
	put(reportsDir, "xs-schema.xml", schema)
	put(reportsDir, "xs-schema.xml.gz", gz(schema))
	put(reportsDir, "xs-schema.zip", zipOf(entry{"tiny.xml", schema}))
	put(reportsDir, "xs-schema.eml", attachmentMail("application/gzip", "tiny.xml.gz", gz(schema), true))
	put(reportsDir, "stray-element.xml", replace(small, "<feedback>", "<stray/>\n<feedback>"))

	// 3. A misspelt element.
	dataRange := replace(replace(small, "<date_range>", "<data_range>"), "</date_range>", "</data_range>")
	put(reportsDir, "data-range.xml", dataRange)
	put(reportsDir, "data-range.xml.gz", gz(dataRange))
	put(reportsDir, "data-range.zip", zipOf(entry{"tiny.xml", dataRange}))
	put(reportsDir, "data-range.eml", attachmentMail("application/zip", "tiny.zip", zipOf(entry{"tiny.xml", dataRange}), true))

	// 4. 1970s dates (the RFC 9990 sample style) and a range begin == end.
	put(reportsDir, "epoch-1970.xml", replace(replace(small, "<begin>1700006400</begin>", "<begin>100</begin>"), "<end>1700006400</end>", "<end>86500</end>"))

	// 5. Unreadable source IPs: each record kept.
	put(reportsDir, "odd-source-ips.xml", src("odd-source-ips.xml"))
	put(reportsDir, "odd-source-ips.xml.gz", gz(src("odd-source-ips.xml")))

	// 6. policy_evaluated without dkim and spf (a 2012 reporter).
	put(reportsDir, "no-policy-dkim.xml", src("no-policy-dkim.xml"))
	put(reportsDir, "no-policy-dkim.eml", attachmentMail("application/gzip", "old.xml.gz", gz(src("no-policy-dkim.xml")), true))

	// 7. Pre-RFC versions.
	put(reportsDir, "version-0.1.xml", replace(small, "<version>1.0</version>", "<version>0.1</version>"))
	put(reportsDir, "version-0.xml", replace(small, "<version>1.0</version>", "<version>0</version>"))

	// 13. A mail whose closing boundary is missing: complete last part
	// (read), and a last part cut short (rejected: truncated).
	put(reportsDir, "unterminated.eml", attachmentMail("application/gzip", "tiny.xml.gz", smallGz, false))
	cut := attachmentMail("application/gzip", "tiny.xml.gz", smallGz, false)
	put(reportsDir, "unterminated-truncated.eml", cut[:len(cut)-40])
}

// attachmentMail is a report mail with one base64 attachment; closed says
// whether the closing boundary is written.
func attachmentMail(ct, name string, data []byte, closed bool) []byte {
	s := crlf(`From: dmarc@receiver.example
To: dmarc-reports@example.com
Subject: Report Domain: example.com Submitter: receiver.example Report-ID: tiny-20231115-1
Date: Wed, 15 Nov 2023 01:00:00 +0000
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: text/plain

DMARC aggregate report.
--b1
Content-Type: `+ct+`; name="`+name+`"
Content-Disposition: attachment; filename="`+name+`"
Content-Transfer-Encoding: base64

`) + b64(data)
	if closed {
		s += "--b1--\r\n"
	}
	return []byte(strings.TrimSuffix(s, ""))
}
