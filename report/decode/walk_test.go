package decode

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/dmarc-agent/dmarc-agent/report/kind"
)

var (
	xmlGz      = gz([]byte(reportXML))
	xmlZip     = zipOf(8, entry{"google.com!example.com!1700006400!1700092799.xml", []byte(reportXML)})
	failureMsg = mail([]string{
		"From: abuse@receiver.example",
		"To: dmarc-ruf@example.com",
		"Subject: DMARC failure report",
		"MIME-Version: 1.0",
		`Content-Type: multipart/report; report-type=feedback-report; boundary="b1"`,
	}, "--b1\r\nContent-Type: text/plain\r\n\r\nA failure.\r\n--b1\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: auth-failure\r\n--b1--\r\n")
)

func TestWalk(t *testing.T) {
	yahoo := mail([]string{
		"Return-Path: <dmarc_support@yahoo.example>",
		"From: Yahoo DMARC <noreply@dmarc.yahoo.example>",
		"Subject: Report Domain: example.com Submitter: yahoo.example Report-ID: <1700006400.123@yahoo.example>",
		"MIME-Version: 1.0",
		`Content-Type: multipart/mixed; boundary="----=_Part_1"`,
	}, "------=_Part_1\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nThis is an aggregate report.\r\n"+
		"------=_Part_1\r\nContent-Type: application/gzip\r\nContent-Transfer-Encoding: base64\r\n"+
		"Content-Disposition: attachment;\r\n filename=\"yahoo.example!example.com!1700006400!1700092799.xml.gz\"\r\n\r\n"+
		b64(xmlGz)+"------=_Part_1--\r\n")
	// Exchange puts the content headers first and the body is the gzip.
	exchange := mail([]string{
		"Content-Type: application/gzip; name=\"report.xml.gz\"",
		"Content-Transfer-Encoding: base64",
		"Content-Disposition: attachment; filename=\"report.xml.gz\"",
		"Received: from mx.receiver.example by mx.example.com",
		"From: dmarc@receiver.example",
		"MIME-Version: 1.0",
	}, b64(xmlGz))
	inline := mail([]string{"From: r@receiver.example", "Content-Type: text/xml; charset=utf-8"}, reportXML)
	bareBody := mail([]string{"From: r@receiver.example", "Subject: report"}, reportXML)
	quoted := mail([]string{"From: r@receiver.example", "MIME-Version: 1.0", `Content-Type: multipart/mixed; boundary=x`},
		"--x\r\nContent-Type: application/xml; name=\"=?utf-8?q?r=C3=A9port.xml?=\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"+
			qp([]byte(reportXML))+"\r\n--x--\r\n")
	forwarded := mail([]string{"From: me@example.com", "Subject: Fwd: report", "MIME-Version: 1.0", `Content-Type: multipart/mixed; boundary="outer"`},
		"--outer\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--outer\r\nContent-Type: message/rfc822\r\n\r\n"+
			mail([]string{"From: r@receiver.example", "MIME-Version: 1.0", `Content-Type: multipart/mixed; boundary="inner"`},
				"--inner\r\nContent-Type: application/zip\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=r.zip\r\n\r\n"+
					b64(xmlZip)+"--inner--\r\n")+"\r\n--outer--\r\n")
	tlsMail := mail([]string{"From: tls@receiver.example", "MIME-Version: 1.0", `Content-Type: multipart/report; report-type=tlsrpt; boundary="t"`},
		"--t\r\nContent-Type: text/plain\r\n\r\nTLS report\r\n--t\r\nContent-Type: application/tlsrpt+gzip\r\nContent-Transfer-Encoding: base64\r\n"+
			"Content-Disposition: attachment; filename=\"receiver.example!example.com!1700006400!1700092799!t1.json.gz\"\r\n\r\n"+b64(gz([]byte(tlsJSON)))+
			"--t\r\nContent-Type: application/tlsrpt+json\r\n\r\n"+tlsJSON+"\r\n--t--\r\n")
	fwdFailure := mail([]string{"From: me@example.com", "MIME-Version: 1.0", `Content-Type: multipart/mixed; boundary="o"`},
		"--o\r\nContent-Type: message/rfc822\r\n\r\n"+failureMsg+"\r\n--o--\r\n")
	newsletter := mail([]string{"From: news@shop.example", "MIME-Version: 1.0", `Content-Type: multipart/alternative; boundary=a`},
		"--a\r\nContent-Type: text/plain\r\n\r\nFrom now on, big sales!\r\n--a\r\nContent-Type: text/html\r\n\r\n<html><body>Sales</body></html>\r\n"+
			"--a\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=flyer.pdf\r\n\r\n%PDF-1.4\r\n--a--\r\n")
	tooLong := "X-Long: " + strings.Repeat("a", maxHeaderBytes+10) + "\r\n\r\n" + reportXML

	tests := []struct {
		name, file string
		in         []byte
		want       walkResult
	}{
		{"plain XML", "r.xml", []byte(reportXML), walkResult{Parts: []gotPart{agg("r.xml", reportXML)}}},
		{"XML with BOM, comment and DOCTYPE", "r.xml", []byte("\ufeff<!-- c --><!DOCTYPE feedback [<!ENTITY a '<x>'>]>" + reportXML[38:]),
			walkResult{Parts: []gotPart{agg("r.xml", "\ufeff<!-- c --><!DOCTYPE feedback [<!ENTITY a '<x>'>]>"+reportXML[38:])}}},
		// A '>' in a comment of the internal subset does not end the DOCTYPE
		// (the aggregate scanner reads it the same way).
		{"DOCTYPE with a comment holding '>'", "r.xml", []byte("<!DOCTYPE feedback [<!-- a > b -->]>" + reportXML[38:]),
			walkResult{Parts: []gotPart{agg("r.xml", "<!DOCTYPE feedback [<!-- a > b -->]>"+reportXML[38:])}}},
		{"gzip", "r.xml.gz", xmlGz, walkResult{Parts: []gotPart{agg("r.xml.gz", reportXML)}}},
		{"zip", "r.zip", xmlZip, walkResult{Parts: []gotPart{agg("r.zip/google.com!example.com!1700006400!1700092799.xml", reportXML)}}},
		{"gzip in zip, stored", "r.zip", zipOf(0, entry{"dir/a.xml.gz", xmlGz}, entry{"__MACOSX/._a.xml.gz", []byte("junk")}),
			walkResult{Parts: []gotPart{agg("r.zip/dir_a.xml.gz", reportXML)}}},
		{"zip in gzip", "r.zip.gz", gz(xmlZip), walkResult{Parts: []gotPart{agg("r.zip.gz/google.com!example.com!1700006400!1700092799.xml", reportXML)}}},
		{"SMTP TLS JSON", "t.json", []byte(tlsJSON), walkResult{Parts: []gotPart{{"t.json", kind.SMTPTLS, tlsJSON}}}},
		{"Yahoo-style mail, base64 gzip attachment", "y.eml", []byte(yahoo),
			walkResult{Parts: []gotPart{agg("y.eml/yahoo.example!example.com!1700006400!1700092799.xml.gz", reportXML)}}},
		{"whole body application/gzip, Exchange header order", "x.eml", []byte(exchange), walkResult{Parts: []gotPart{agg("x.eml", reportXML)}}},
		{"inline text/xml body", "i.eml", []byte(inline), walkResult{Parts: []gotPart{agg("i.eml", reportXML)}}},
		{"XML body without Content-Type, LF line ends", "b.eml", []byte(strings.ReplaceAll(bareBody, "\r\n", "\n")), walkResult{Parts: []gotPart{agg("b.eml", reportXML)}}},
		{"quoted-printable attachment, RFC 2047 name", "q.eml", []byte(quoted), // quoted-printable text has CRLF line ends (canonical form).
			walkResult{Parts: []gotPart{agg("q.eml/réport.xml", strings.ReplaceAll(reportXML, "\n", "\r\n"))}}},
		{"nested message/rfc822 with zip", "f.eml", []byte(forwarded),
			walkResult{Parts: []gotPart{agg("f.eml/part2/r.zip/google.com!example.com!1700006400!1700092799.xml", reportXML)}}},
		{"TLS report mail", "t.eml", []byte(tlsMail), walkResult{Parts: []gotPart{
			{"t.eml/receiver.example!example.com!1700006400!1700092799!t1.json.gz", kind.SMTPTLS, tlsJSON},
			{"t.eml/part3", kind.SMTPTLS, tlsJSON}}}},
		{"failure report yielded whole", "ruf.eml", []byte(failureMsg), walkResult{Parts: []gotPart{{"ruf.eml", kind.Failure, failureMsg}}}},
		{"forwarded failure report", "fwd.eml", []byte(fwdFailure), walkResult{Parts: []gotPart{{"fwd.eml/part1", kind.Failure, failureMsg}}}},
		{"mail without a report", "n.eml", []byte(newsletter), walkResult{Rejects: []string{"n.eml: no report found in message"}}},
		{"empty", "e.xml", nil, walkResult{Rejects: []string{"e.xml: empty input"}}},
		{"corrupt gzip header", "c.gz", []byte("\x1f\x8b\x08"), walkResult{Rejects: []string{"c.gz: corrupt gzip: unexpected EOF"}}},
		{"corrupt gzip data", "c.gz", append(xmlGz[:10:10], bytes.Repeat([]byte{0xff}, 40)...),
			walkResult{Rejects: []string{"c.gz: gzip data: flate: corrupt input before offset 1"}}},
		{"truncated zip", "t.zip", xmlZip[:len(xmlZip)/2], walkResult{Rejects: []string{"t.zip: corrupt or truncated zip: zip: not a valid zip file"}}},
		{"empty zip", "e.zip", zipOf(8), walkResult{Rejects: []string{"e.zip: empty zip archive"}}},
		{"unknown zip entry", "u.zip", zipOf(8, entry{"readme.txt", []byte("hello")}, entry{"a.xml", []byte(reportXML)}),
			walkResult{Parts: []gotPart{agg("u.zip/a.xml", reportXML)}, Rejects: []string{"u.zip/readme.txt: unknown content: not a report, an archive or a mail message"}}},
		{"other XML", "o.xml", []byte(`<?xml version="1.0"?><html/>`), walkResult{Rejects: []string{"o.xml: unknown content: XML root element <html> is not <feedback>"}}},
		{"other JSON", "o.json", []byte(`{"a":1}`), walkResult{Rejects: []string{"o.json: unknown content: JSON that is not an SMTP TLS report"}}},
		{"Outlook msg", "o.msg", []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest"), walkResult{Rejects: []string{"o.msg: unknown content: an Outlook .msg file (save the mail as .eml)"}}},
		{"binary", "b.bin", []byte("\x00\x01\x02"), walkResult{Rejects: []string{"b.bin: unknown content: not a report, an archive or a mail message"}}},
		{"mbox without messages", "m.mbox", []byte("From nobody"), walkResult{Rejects: []string{"m.mbox: mbox without messages"}}},
		{"gigantic mbox separator", "m.mbox", []byte("From a\nSubject: x\n\n" + reportXML + "\nFrom " + strings.Repeat("b", maxHeaderBytes+1)),
			walkResult{Parts: []gotPart{agg("m.mbox/#1", reportXML+"\n")}, Rejects: []string{"m.mbox: mbox separator line 2 longer than 1048576 bytes"}}},
		{"gigantic header", "h.eml", []byte(tooLong), walkResult{Rejects: []string{"h.eml: reading message header: message header larger than 1048576 bytes"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := walkAll(t, bytes.NewReader(tt.in), tt.file, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

func TestWalkMbox(t *testing.T) {
	report := mail([]string{"From: r@receiver.example", "Content-Type: application/gzip", "Content-Transfer-Encoding: base64"}, b64(xmlGz))
	plain := mail([]string{"From: friend@example.org", "Subject: hi"}, "Hello.\r\n\r\n>From the desk of\r\nFrom here on, no separator (no blank line before)\r\n")
	zipped := mail([]string{"From: m@receiver.example", "MIME-Version: 1.0", "Content-Type: multipart/mixed; boundary=z"},
		"--z\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=r.zip\r\n\r\n"+
			b64(xmlZip)+"--z--\r\n")
	mbox := "From MAILER-DAEMON Wed Nov 15 00:00:00 2023\r\n" + report + "\r\n" +
		"From friend@example.org Wed Nov 15 00:00:01 2023\r\n" + plain + "\r\n" +
		"From m@receiver.example Wed Nov 15 00:00:02 2023\n" + zipped
	got, err := walkAll(t, strings.NewReader(mbox), "inbox", Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := walkResult{
		Parts:   []gotPart{agg("inbox/#1", reportXML), agg("inbox/#3/r.zip/google.com!example.com!1700006400!1700092799.xml", reportXML)},
		Rejects: []string{"inbox/#2: no report found in message"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}

	// The reader of one message stops at the separator and unescapes >From.
	m := &mboxMessage{br: bufioReader(plain + "\r\nFrom x\r\nnext"), atStart: true}
	b, _ := io.ReadAll(m)
	wantMsg := strings.Replace(plain, ">From the desk", "From the desk", 1) + "\r\n"
	if string(b) != wantMsg {
		t.Errorf("message = %q, want %q", b, wantMsg)
	}
}

func TestWalkLimits(t *testing.T) {
	t.Run("gzip bomb stops at MaxBytes", func(t *testing.T) {
		bomb := gz(append([]byte(reportXML[:200]), bytes.Repeat([]byte(" "), 2<<20)...))
		got, err := walkAll(t, bytes.NewReader(bomb), "bomb.xml.gz", Options{MaxBytes: 1 << 20})
		if err != nil || len(got.Parts) != 1 || !strings.HasPrefix(got.Parts[0].Body, "error: payload too large: more than 1048576 bytes after decompression") {
			t.Fatalf("got %s, %v", got, err)
		}
	})
	t.Run("the handler sees ErrTooLarge", func(t *testing.T) {
		bomb := gz(append([]byte(reportXML[:200]), bytes.Repeat([]byte(" "), 2<<20)...))
		var readErr error
		err := Walk(context.Background(), bytes.NewReader(bomb), "b", Options{MaxBytes: 1 << 20}, func(_ context.Context, p Part) error {
			_, readErr = io.Copy(io.Discard, p.Body)
			return nil
		}, nil)
		if err != nil || !errors.Is(readErr, ErrTooLarge) {
			t.Fatalf("Walk = %v, read error %v; want ErrTooLarge", err, readErr)
		}
	})
	t.Run("zip bomb refused by its declared size", func(t *testing.T) {
		bomb := zipOf(8, entry{"bomb.xml", append([]byte(reportXML[:200]), bytes.Repeat([]byte("\x00"), 2<<20)...)})
		got, _ := walkAll(t, bytes.NewReader(bomb), "bomb.zip", Options{MaxBytes: 1 << 20})
		want := walkResult{Rejects: []string{"bomb.zip/bomb.xml: payload too large: zip entry of 2097352 bytes (limit 1048576)"}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got:\n%s\nwant:\n%s", got, want)
		}
	})
	t.Run("too many zip entries", func(t *testing.T) {
		var es []entry
		for i := range maxZipEntries + 1 {
			es = append(es, entry{strings.Repeat("x", i%7+1) + ".txt", nil})
		}
		got, _ := walkAll(t, bytes.NewReader(zipOf(0, es...)), "many.zip", Options{})
		want := walkResult{Rejects: []string{"many.zip: zip archive with 1001 entries (more than 1000)"}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got:\n%s\nwant:\n%s", got, want)
		}
	})
	t.Run("nesting depth", func(t *testing.T) {
		b := []byte(reportXML)
		for range maxDepth + 1 {
			b = gz(b)
		}
		got, _ := walkAll(t, bytes.NewReader(b), "deep.gz", Options{})
		want := walkResult{Rejects: []string{"deep.gz: containers nested deeper than 8 levels"}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got:\n%s\nwant:\n%s", got, want)
		}
	})
	t.Run("large zip inside gzip spills to a temporary file", func(t *testing.T) {
		noise := make([]byte, zipMemory+1<<20)
		for i := range noise {
			noise[i] = byte(i*7919 + i>>8)
		}
		z := zipOf(0, entry{"noise.bin", noise}, entry{"r.xml", []byte(reportXML)})
		got, _ := walkAll(t, bytes.NewReader(gz(z)), "big.zip.gz", Options{})
		if len(got.Parts) != 1 || got.Parts[0] != agg("big.zip.gz/r.xml", reportXML) {
			t.Errorf("got:\n%s", got)
		}
	})
}

// TestWalkRandomAccessInput: a file or a bytes.Reader is read at random for
// a zip, from where the caller left it.
func TestWalkRandomAccessInput(t *testing.T) {
	in := append([]byte("JUNK"), xmlZip...)
	path := filepath.Join(t.TempDir(), "r.zip")
	if err := os.WriteFile(path, in, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	br := bytes.NewReader(in)
	for _, r := range []io.ReadSeeker{f, br} {
		if _, err := r.Seek(4, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		got, err := walkAll(t, r, "r.zip", Options{})
		want := walkResult{Parts: []gotPart{agg("r.zip/google.com!example.com!1700006400!1700092799.xml", reportXML)}}
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%T: got %s, %v", r, got, err)
		}
	}
}

func TestWalkHandlerErrorAndCancel(t *testing.T) {
	stop := errors.New("stop")
	in := zipOf(8, entry{"a.xml", []byte(reportXML)}, entry{"b.xml", []byte(reportXML)})
	calls := 0
	err := Walk(context.Background(), bytes.NewReader(in), "z", Options{}, func(context.Context, Part) error {
		calls++
		return stop
	}, nil)
	if err != stop || calls != 1 {
		t.Errorf("Walk = %v after %d calls, want the handler's error after 1", err, calls)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = Walk(ctx, bytes.NewReader(in), "z", Options{}, func(context.Context, Part) error {
		t.Error("handler called after cancel")
		return nil
	}, nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Walk = %v, want context.Canceled", err)
	}
}

// TestWalkPlainTextFailureReport: failure reports written as plain text, with
// no ARF part (also with an mbox "From " line first), are yielded whole as
// failure reports instead of being rejected as mail without a report.
func TestWalkPlainTextFailureReport(t *testing.T) {
	for _, name := range []string{"text_only.eml", "mbox_first.mbox"} {
		raw, err := os.ReadFile(filepath.Join("..", "failure", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		var kinds []kind.Kind
		var rejects []string
		err = Walk(context.Background(), bytes.NewReader(raw), name, Options{}, func(_ context.Context, p Part) error {
			kinds = append(kinds, p.Kind)
			_, err := io.Copy(io.Discard, p.Body)
			return err
		}, func(n string, err error) { rejects = append(rejects, n+": "+err.Error()) })
		if err != nil || len(rejects) != 0 || len(kinds) != 1 || kinds[0] != kind.Failure {
			t.Errorf("%s: kinds %v, rejects %v, err %v; want one failure report", name, kinds, rejects, err)
		}
	}
}
