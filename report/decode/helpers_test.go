package decode

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"mime/quotedprintable"
	"strings"
	"testing"
	"time"

	"github.com/dmarc-agent/dmarc-agent/report/kind"
)

const reportXML = `<?xml version="1.0" encoding="UTF-8"?>
<feedback><report_metadata><org_name>Receiver</org_name><report_id>r1</report_id>
<date_range><begin>1700006400</begin><end>1700092799</end></date_range></report_metadata>
<policy_published><domain>example.com</domain></policy_published>
<record><row><source_ip>192.0.2.1</source_ip><count>1</count></row></record></feedback>
`

const tlsJSON = `{"organization-name":"Receiver","date-range":{"start-datetime":"2023-11-15T00:00:00Z","end-datetime":"2023-11-15T23:59:59Z"},"report-id":"t1","policies":[]}`

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

type entry struct {
	name string
	data []byte
}

func zipOf(method uint16, entries ...entry) []byte {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, e := range entries {
		f, _ := w.CreateHeader(&zip.FileHeader{Name: e.name, Method: method, Modified: time.Date(2023, 11, 16, 0, 0, 0, 0, time.UTC)})
		f.Write(e.data)
	}
	w.Close()
	return buf.Bytes()
}

func b64(b []byte) string {
	s := base64.StdEncoding.EncodeToString(b)
	var out strings.Builder
	for len(s) > 76 {
		out.WriteString(s[:76] + "\r\n")
		s = s[76:]
	}
	out.WriteString(s + "\r\n")
	return out.String()
}

func qp(b []byte) string {
	var buf bytes.Buffer
	w := quotedprintable.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.String()
}

// mail joins header lines and a body with CRLF.
func mail(headers []string, body string) string {
	return strings.Join(headers, "\r\n") + "\r\n\r\n" + body
}

type gotPart struct {
	Name string
	Kind kind.Kind
	Body string // the payload, or "error: ..." when reading it failed
}

type walkResult struct {
	Parts   []gotPart
	Rejects []string // "name: reason"
}

func walkAll(t *testing.T, r io.Reader, name string, opt Options) (walkResult, error) {
	t.Helper()
	var res walkResult
	err := Walk(context.Background(), r, name, opt, func(ctx context.Context, p Part) error {
		b, err := io.ReadAll(p.Body)
		body := string(b)
		if err != nil {
			body = "error: " + err.Error()
		}
		res.Parts = append(res.Parts, gotPart{p.Name, p.Kind, body})
		return nil
	}, func(name string, err error) {
		reason := err.Error()
		if strings.ContainsAny(reason, "\r\n") {
			t.Errorf("reason for %s is not one line: %q", name, reason)
		}
		res.Rejects = append(res.Rejects, name+": "+reason)
	})
	return res, err
}

func agg(name, body string) gotPart { return gotPart{name, kind.Aggregate, body} }

func (r walkResult) String() string {
	var b strings.Builder
	for _, p := range r.Parts {
		fmt.Fprintf(&b, "part %s %s %.60q\n", p.Name, p.Kind, p.Body)
	}
	for _, rj := range r.Rejects {
		fmt.Fprintf(&b, "reject %s\n", rj)
	}
	return b.String()
}

func bufioReader(s string) *bufio.Reader { return bufio.NewReader(strings.NewReader(s)) }
