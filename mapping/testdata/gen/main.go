// Command gen writes the report fixtures of mapping/testdata/reports and the
// sample reports of testdata/samples from the XML sources in
// mapping/testdata/src: containers (gzip, zip, mail, mbox), encodings, and
// the malformed kinds. Output is deterministic (fixed times, fixed
// boundaries), so running it again changes nothing.
//
//	go run ./mapping/testdata/gen
package main

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/text/encoding/charmap"
)

var (
	srcDir     = filepath.Join("mapping", "testdata", "src")
	reportsDir = filepath.Join("mapping", "testdata", "reports")
	samplesDir = filepath.Join("testdata", "samples")
	modTime    = time.Date(2023, 11, 16, 3, 4, 5, 0, time.UTC)
)

func main() {
	for _, d := range []string{reportsDir, samplesDir} {
		must(os.MkdirAll(d, 0o755))
	}
	google := src("google.xml")
	small := src("small.xml")

	// The same Google report in five containers: the ids must not differ.
	put(reportsDir, "google.xml", google)
	put(reportsDir, "google.com!example.com!1700006400!1700092799.xml.gz", gz(google))
	put(reportsDir, "google.zip", zipOf(entry{"google.com!example.com!1700006400!1700092799.xml", google}))
	put(reportsDir, "google.eml", googleMail(google))

	put(reportsDir, "microsoft.zip", zipOf(entry{"protection.outlook.com!example.com!1700006400!1700092800.xml", src("microsoft.xml")}))
	put(reportsDir, "yahoo.eml", yahooMail(src("yahoo.xml")))
	put(reportsDir, "rfc9990.xml", src("rfc9990.xml"))
	put(reportsDir, "rfc9990-version2.eml", qpMail(src("rfc9990-version2.xml")))
	put(reportsDir, "draft.xml", src("draft.xml"))
	put(reportsDir, "ipv6-exchange.eml", exchangeMail(src("ipv6.xml")))
	put(reportsDir, "mixed-case.xml", src("mixed-case.xml"))
	latin1, err := charmap.ISO8859_1.NewEncoder().Bytes(src("latin1.xml"))
	must(err)
	put(reportsDir, "latin1.xml", latin1)
	put(reportsDir, "invalid-utf8.xml", rawBytes(src("invalid-utf8.xml")))
	put(reportsDir, "billion-laughs.xml", src("billion-laughs.xml"))
	put(reportsDir, "inline.eml", inlineMail(small))
	put(reportsDir, "forwarded.eml", forwardedMail(src("mixed-case.xml")))
	put(reportsDir, "reports.mbox", mbox(google, small))
	fidelity(small)

	// Malformed.
	put(reportsDir, "empty.xml", nil)
	put(reportsDir, "newsletter.eml", newsletter())
	corrupt := gz(small)
	for i := 12; i < len(corrupt)-8; i += 7 {
		corrupt[i] ^= 0x5a
	}
	put(reportsDir, "corrupt.xml.gz", corrupt)
	smallGz := gz(small)
	put(reportsDir, "truncated.xml.gz", smallGz[:len(smallGz)*2/3])
	googleZip := zipOf(entry{"google.xml", google})
	put(reportsDir, "truncated.zip", googleZip[:len(googleZip)/2])
	put(reportsDir, "zip-bomb.zip", zipBomb())
	put(reportsDir, "gzip-bomb.xml.gz", gzipBomb(small))
	put(reportsDir, "gigantic-attribute.xml.gz", gzBytes(replace(small, "<feedback>", `<feedback data="`+strings.Repeat("A", 3<<20)+`">`)))
	put(reportsDir, "no-report-id.xml", replace(small, "    <report_id>tiny-20231115-1</report_id>\n", ""))
	put(reportsDir, "no-records.xml", cut(small, "  <record>", "</feedback>"))
	put(reportsDir, "begin-after-end.xml", replace(small, "<begin>1700006400</begin>", "<begin>1700092799</begin>"))
	put(reportsDir, "bad-source-ip.xml", replace(small, "<source_ip>192.0.2.25</source_ip>", "<source_ip>192.0.2.256</source_ip>"))
	put(reportsDir, "missing-count.xml", replace(small, "      <count>1</count>\n", ""))
	put(reportsDir, "truncated.xml", small[:bytes.Index(small, []byte("<dkim>pass</dkim>"))+6])

	// Samples for the README quick start.
	put(samplesDir, "google.com!example.com!1700006400!1700092799.xml.gz", gzBytes(google))
	put(samplesDir, "protection.outlook.com!example.com!1700006400!1700092800.zip",
		zipOf(entry{"protection.outlook.com!example.com!1700006400!1700092800.xml", src("microsoft.xml")}))
	put(samplesDir, "yahoo-report.eml", yahooMail(src("yahoo.xml")))
	put(samplesDir, "receiver-two.example!example.org!1767225600!1767311999.xml", src("rfc9990.xml"))
	put(samplesDir, "v6only.example!example.com!1709251200!1709337599.xml", src("ipv6.xml"))
}

func src(name string) []byte {
	b, err := os.ReadFile(filepath.Join(srcDir, name))
	must(err)
	return b
}

func put(dir, name string, b []byte) {
	must(os.WriteFile(filepath.Join(dir, name), b, 0o644))
}

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}

func replace(b []byte, old, new string) []byte {
	if !bytes.Contains(b, []byte(old)) {
		log.Fatalf("%q not in source", old)
	}
	return bytes.Replace(b, []byte(old), []byte(new), 1)
}

// cut removes from the first from up to (not including) to.
func cut(b []byte, from, to string) []byte {
	i, j := bytes.Index(b, []byte(from)), bytes.Index(b, []byte(to))
	return append(append([]byte(nil), b[:i]...), b[j:]...)
}

// rawBytes turns {0xHH} markers into raw bytes (invalid UTF-8).
func rawBytes(b []byte) []byte {
	for _, m := range []struct {
		s string
		b byte
	}{{"{0xE9}", 0xe9}, {"{0xFF}", 0xff}, {"{0xFE}", 0xfe}} {
		b = bytes.ReplaceAll(b, []byte(m.s), []byte{m.b})
	}
	return b
}

func gz(b []byte) []byte { return gzBytes(b) }

func gzBytes(b []byte) []byte {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	w.ModTime = modTime
	w.Write(b)
	must(w.Close())
	return buf.Bytes()
}

type entry struct {
	name string
	data []byte
}

func zipOf(entries ...entry) []byte {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, e := range entries {
		f, err := w.CreateHeader(&zip.FileHeader{Name: e.name, Method: zip.Deflate, Modified: modTime})
		must(err)
		f.Write(e.data)
	}
	must(w.Close())
	return buf.Bytes()
}

// zipBomb: one entry of 100 MiB of zeros, about 100 KB compressed.
func zipBomb() []byte {
	zeros := make([]byte, 100<<20)
	return zipOf(entry{"bomb.xml", zeros})
}

// gzipBomb: a report whose XML is padded to 80 MiB with white space; gzip
// has no size header, so only the streaming cap stops it.
func gzipBomb(report []byte) []byte {
	padded := replace(report, "<feedback>", "<feedback>"+strings.Repeat(" ", 80<<20))
	return gzBytes(padded)
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

func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }
