package decode

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
)

// FuzzWalk: no input makes Walk panic, hang or fail; every reason is one
// line; every part is named under the input and reads within MaxBytes.
func FuzzWalk(f *testing.F) {
	for _, s := range [][]byte{
		[]byte(reportXML), xmlGz, xmlZip, gz(xmlZip), []byte(tlsJSON), []byte(failureMsg),
		[]byte(mail([]string{"From: a@b.example", "Content-Type: application/gzip", "Content-Transfer-Encoding: base64"}, b64(xmlGz))),
		[]byte("From x\r\n" + mail([]string{"Subject: s"}, reportXML) + "\r\nFrom y\r\n" + failureMsg),
		[]byte(mail([]string{"From: a@b.example", `Content-Type: multipart/mixed; boundary=x`},
			"--x\r\nContent-Type: application/xml\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"+qp([]byte(reportXML))+"\r\n--x--\r\n")),
	} {
		f.Add(s)
	}
	const maxBytes = 1 << 20
	f.Fuzz(func(t *testing.T, data []byte) {
		err := Walk(context.Background(), bytes.NewReader(data), "in", Options{MaxBytes: maxBytes}, func(_ context.Context, p Part) error {
			if p.Name != "in" && !strings.HasPrefix(p.Name, "in/") {
				t.Fatalf("part name %q not under the input", p.Name)
			}
			n, err := io.Copy(io.Discard, p.Body)
			if n > maxBytes || (n == maxBytes && err != nil && !errors.Is(err, ErrTooLarge)) {
				t.Fatalf("read %d bytes, err %v: cap not applied", n, err)
			}
			return nil
		}, func(name string, err error) {
			reason := err.Error()
			if reason == "" || strings.ContainsAny(reason, "\r\n") {
				t.Fatalf("bad reason %q for %s", reason, name)
			}
		})
		if err != nil {
			t.Fatalf("Walk = %v", err)
		}
	})
}
