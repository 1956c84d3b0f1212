package gen

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"time"
)

// gzipWriters recycles compressors (about 800 KB each) between files.
var gzipWriters = sync.Pool{New: func() any { return gzip.NewWriter(nil) }}

// writeForm writes the report in one attachment form ("xml", "gz" or "zip")
// and returns the XML size and the attachment's file name.
func writeForm(dst io.Writer, r *rand.Rand, s *spec, form string) (int64, string, error) {
	switch form {
	case "xml":
		n, err := writeReport(dst, r, s)
		return n, s.fileName("xml"), err
	case "gz":
		zw := gzipWriters.Get().(*gzip.Writer) // no name, zero mtime: same bytes every time
		zw.Reset(dst)
		defer gzipWriters.Put(zw)
		n, err := writeReport(zw, r, s)
		if cerr := zw.Close(); err == nil {
			err = cerr
		}
		return n, s.fileName("xml.gz"), err
	case "zip":
		zw := zip.NewWriter(dst)
		inner := s.fileName("xml")
		f, err := zw.CreateHeader(&zip.FileHeader{Name: inner, Method: zip.Deflate, Modified: time.Unix(s.end, 0).UTC()})
		if err != nil {
			return 0, "", err
		}
		n, err := writeReport(f, r, s)
		if cerr := zw.Close(); err == nil {
			err = cerr
		}
		return n, s.fileName("zip"), err
	}
	return 0, "", fmt.Errorf("unknown form %q", form)
}

// writeEML wraps an attachment into the mail message a receiver sends.
func writeEML(dst io.Writer, r *rand.Rand, s *spec, attachment []byte, name string) error {
	ctype := "application/gzip"
	switch {
	case strings.HasSuffix(name, ".zip"):
		ctype = "application/zip"
	case strings.HasSuffix(name, ".xml"):
		ctype = "text/xml"
	}
	boundary := fmt.Sprintf("=_%016x", r.Uint64())
	date := time.Unix(s.end+int64(3600+r.IntN(7200)), 0).UTC().Format(time.RFC1123Z)
	var b bytes.Buffer
	b.Grow(len(attachment)*4/3 + 1024)
	fmt.Fprintf(&b, "Return-Path: <%s>\r\nFrom: %s <%s>\r\nTo: dmarc-reports@%s\r\n", s.email, s.org, s.email, s.dom.name)
	fmt.Fprintf(&b, "Subject: Report domain: %s Submitter: %s Report-ID: %s\r\n", s.dom.name, s.org, s.id)
	fmt.Fprintf(&b, "Date: %s\r\nMessage-ID: <%016x@%s>\r\nMIME-Version: 1.0\r\n", date, r.Uint64(), s.rp.domain)
	fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n", boundary)
	fmt.Fprintf(&b, "--%s\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n", boundary)
	fmt.Fprintf(&b, "This is an aggregate report from %s.\r\n\r\n", s.org)
	fmt.Fprintf(&b, "--%s\r\nContent-Type: %s; name=\"%s\"\r\nContent-Transfer-Encoding: base64\r\n", boundary, ctype, name)
	fmt.Fprintf(&b, "Content-Disposition: attachment; filename=\"%s\"\r\n\r\n", name)
	enc := base64.StdEncoding
	line := make([]byte, 76)
	for len(attachment) > 0 {
		k := min(57, len(attachment))
		enc.Encode(line, attachment[:k])
		b.Write(line[:enc.EncodedLen(k)])
		b.WriteString("\r\n")
		attachment = attachment[k:]
	}
	fmt.Fprintf(&b, "\r\n--%s--\r\n", boundary)
	_, err := dst.Write(b.Bytes())
	return err
}
