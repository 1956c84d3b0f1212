package main

import (
	"bytes"
	"mime/quotedprintable"
	"strings"
)

func googleMail(xml []byte) []byte {
	return []byte(crlf(`Delivered-To: dmarc-reports@example.com
Return-Path: <noreply-dmarc-support@google.com>
Received: by mail-yw1-f200.google.com with SMTP id 00721157ae682-5a7c97d5d5dso12345677b3.1
        for <dmarc-reports@example.com>; Thu, 16 Nov 2023 03:04:05 -0800 (PST)
MIME-Version: 1.0
Date: Thu, 16 Nov 2023 03:04:05 -0800
Message-ID: <12893640155486474387@google.com>
Subject: Report domain: example.com Submitter: google.com Report-ID: 12893640155486474387
From: noreply-dmarc-support@google.com
To: dmarc-reports@example.com
Content-Type: multipart/mixed; boundary="000000000000a1b2c3d4e5f60718"

--000000000000a1b2c3d4e5f60718
Content-Type: text/plain; charset="UTF-8"; format=flowed; delsp=yes

This is an aggregate report from google.com.

--000000000000a1b2c3d4e5f60718
Content-Type: application/zip; 
	name="google.com!example.com!1700006400!1700092799.zip"
Content-Disposition: attachment; 
	filename="google.com!example.com!1700006400!1700092799.zip"
Content-Transfer-Encoding: base64

`) + b64(zipOf(entry{"google.com!example.com!1700006400!1700092799.xml", xml})) + "--000000000000a1b2c3d4e5f60718--\r\n")
}

func yahooMail(xml []byte) []byte {
	return []byte(crlf(`Return-Path: <dmarc_support@yahoo.com>
Received: from sonic.gate.mail.ne1.yahoo.com by mx.example.com; Thu, 16 Nov 2023 00:12:40 +0000
Date: Thu, 16 Nov 2023 00:12:40 +0000 (UTC)
From: Yahoo DMARC Report <dmarchelp@yahooinc.com>
Reply-To: dmarchelp@yahooinc.com
To: dmarc-reports@example.com
Message-ID: <1700092800.382916@yahoo.com>
Subject: Report Domain: example.com Submitter: Yahoo Report-ID: <1700092800.382916>
MIME-Version: 1.0
Content-Type: multipart/mixed; 
	boundary="----=_Part_1234567_890123456.1700093560000"

------=_Part_1234567_890123456.1700093560000
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: 7bit

This is a DMARC aggregate report for example.com.
------=_Part_1234567_890123456.1700093560000
Content-Type: application/gzip
Content-Transfer-Encoding: base64
Content-Disposition: attachment; 
	filename="yahoo.com!example.com!1700006400!1700092799.xml.gz"

`) + b64(gzBytes(xml)) + "------=_Part_1234567_890123456.1700093560000--\r\n")
}

// exchangeMail: the whole body is the gzip, and the content headers come
// first, as Exchange writes them.
func exchangeMail(xml []byte) []byte {
	return []byte(crlf(`Content-Type: application/gzip; name="v6only.example!example.com!1709251200!1709337599.xml.gz"
Content-Disposition: attachment; filename="v6only.example!example.com!1709251200!1709337599.xml.gz"
Content-Transfer-Encoding: base64
Received: from EX01.v6only.example (2001:db8::10) by EX02.v6only.example
 (2001:db8::11) with Microsoft SMTP Server; Sat, 2 Mar 2024 01:00:00 +0000
From: DMARC Reports <dmarc@v6only.example>
To: <dmarc-reports@example.com>
Subject: Report Domain: example.com Submitter: v6only.example Report-ID: v6-1709251200
Thread-Topic: Report Domain: example.com
Date: Sat, 2 Mar 2024 01:00:00 +0000
Message-ID: <v6-1709251200@v6only.example>
MIME-Version: 1.0

`) + b64(gzBytes(xml)))
}

func qpMail(xml []byte) []byte {
	var buf bytes.Buffer
	w := quotedprintable.NewWriter(&buf)
	w.Write(xml)
	w.Close()
	return []byte(crlf(`From: dmarc@small-receiver.example
To: dmarc-reports@example.org
Subject: Report Domain: example.org Submitter: small-receiver.example Report-ID: sr-1767225600-1
Date: Fri, 2 Jan 2026 00:10:00 +0000
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="qp-boundary"

--qp-boundary
Content-Type: text/plain; charset=utf-8

Aggregate report attached.

--qp-boundary
Content-Type: application/xml; name="small-receiver.example!example.org!1767225600!1767311999.xml"
Content-Transfer-Encoding: quoted-printable
Content-Disposition: attachment; filename="small-receiver.example!example.org!1767225600!1767311999.xml"

`) + buf.String() + "\r\n--qp-boundary--\r\n")
}

// inlineMail: the XML is the text body itself, LF line ends.
func inlineMail(xml []byte) []byte {
	return append([]byte(`From: abuse@tiny-isp.example
To: dmarc-reports@example.com
Subject: DMARC report for example.com
Date: Wed, 15 Nov 2023 01:00:00 +0000
MIME-Version: 1.0
Content-Type: text/xml; charset=utf-8
Content-Disposition: inline

`), xml...)
}

// forwardedMail: someone forwarded a report mail as an attachment; the
// report inside is a zip.
func forwardedMail(xml []byte) []byte {
	inner := crlf(`From: postmaster@sloppy.example
To: dmarc-reports@example.com
Subject: DMARC Aggregate Report
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary=inner

--inner
Content-Type: application/x-zip-compressed; name="sloppy.example!example.com!1700006400!1700092799.zip"
Content-Transfer-Encoding: base64

`) + b64(zipOf(entry{"sloppy.example!example.com!1700006400!1700092799.xml", xml})) + "--inner--\r\n"
	return []byte(crlf(`From: Admin <admin@example.com>
To: security@example.com
Subject: Fwd: DMARC Aggregate Report
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary=outer

--outer
Content-Type: text/plain

FYI, see the attached report.

--outer
Content-Type: message/rfc822
Content-Disposition: attachment; filename="DMARC Aggregate Report.eml"

`) + inner + "\r\n--outer--\r\n")
}

func newsletter() []byte {
	return []byte(crlf(`From: Shop <news@shop.example>
To: dmarc-reports@example.com
Subject: Our best offers
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary=alt

--alt
Content-Type: text/plain; charset=utf-8

From today: everything half price.
<feedback> welcome!

--alt
Content-Type: text/html; charset=utf-8

<html><body><p>Everything half price.</p></body></html>
--alt--
`))
}

// mbox holds three messages: a Google report mail whose zip holds the
// report gzipped (gzip in zip in MIME in mbox), a personal mail with a
// ">From " line, and a tiny receiver's inline report.
func mbox(google, small []byte) []byte {
	var b strings.Builder
	b.WriteString("From noreply-dmarc-support@google.com Thu Nov 16 03:04:05 2023\n")
	b.WriteString(strings.ReplaceAll(`From: noreply-dmarc-support@google.com
To: dmarc-reports@example.com
Subject: Report domain: example.com Submitter: google.com
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary=b

--b
Content-Type: application/zip
Content-Transfer-Encoding: base64
Content-Disposition: attachment; filename=reports.zip

`, "\r\n", "\n"))
	b.WriteString(strings.ReplaceAll(b64(zipOf(entry{"google.com!example.com!1700006400!1700092799.xml.gz", gzBytes(google)})), "\r\n", "\n"))
	b.WriteString("--b--\n\n")
	b.WriteString(`From friend@example.org Thu Nov 16 09:00:00 2023
From: friend@example.org
To: me@example.com
Subject: lunch?

Hi,
>From what I hear the new place is good.
From noon on I am free.

`)
	b.WriteString("From abuse@tiny-isp.example Wed Nov 15 01:00:00 2023\n")
	b.Write(inlineMail(small))
	return []byte(b.String())
}
