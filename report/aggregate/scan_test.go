package aggregate

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

// scanTokens lists the scanner's tokens as strings: "<name", ">name" (end)
// and "text" (adjacent text joined, entities decoded).
func scanTokens(r io.Reader) ([]string, error) {
	s := newScanner(r)
	var out []string
	var text []byte
	flush := func() {
		if len(text) > 0 {
			out = append(out, "T"+string(text))
			text = text[:0]
		}
	}
	for {
		k, err := s.next()
		if err != nil {
			return out, err
		}
		switch k {
		case tokEOF:
			flush()
			return out, nil
		case tokStart:
			flush()
			out = append(out, "<"+string(localName(s.name)))
		case tokEnd:
			flush()
			out = append(out, ">"+string(localName(s.name)))
		case tokText:
			text = appendText(text, s.text, s.cdata)
		}
	}
}

// oracleTokens lists encoding/xml's tokens the same way.
func oracleTokens(data []byte) ([]string, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	var out []string
	var text []byte
	flush := func() {
		if len(text) > 0 {
			out = append(out, "T"+string(text))
			text = text[:0]
		}
	}
	for {
		t, err := d.RawToken()
		if err == io.EOF {
			flush()
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		switch t := t.(type) {
		case xml.StartElement:
			flush()
			out = append(out, "<"+t.Name.Local)
		case xml.EndElement:
			flush()
			out = append(out, ">"+t.Name.Local)
		case xml.CharData:
			text = append(text, t...)
		}
	}
}

// wellFormed reports whether encoding/xml accepts data as a whole document
// (Token, unlike RawToken, checks that tags match and all are closed).
func wellFormed(data []byte) bool {
	d := xml.NewDecoder(bytes.NewReader(data))
	for {
		_, err := d.Token()
		if err == io.EOF {
			return true
		}
		if err != nil {
			return false
		}
	}
}

// checkAgainstOracle fails when encoding/xml accepts data and the scanner's
// tokens differ, whatever the read sizes.
func checkAgainstOracle(t *testing.T, data []byte) {
	t.Helper()
	if !wellFormed(data) {
		return
	}
	want, err := oracleTokens(data)
	if err != nil {
		return
	}
	for _, r := range []io.Reader{bytes.NewReader(data), iotest.OneByteReader(bytes.NewReader(data)), iotest.HalfReader(bytes.NewReader(data))} {
		got, err := scanTokens(r)
		if err != nil {
			t.Fatalf("scanner failed on well-formed input %q: %v", data, err)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("tokens differ on %q\nscanner: %q\noracle:  %q", data, got, want)
		}
	}
}

var tokenCases = []string{
	`<a>x</a>`,
	`<?xml version="1.0"?><feedback xmlns="urn:ietf:params:xml:ns:dmarc-2.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><a b='1' c = "2"/></feedback>`,
	"<a>\r\nline\rtwo\r\n</a>",
	`<a>&lt;id@host&gt; &amp; &#65;&#x42;&quot;&apos;</a>`,
	`<a><![CDATA[<not> &amp; markup]]></a>`,
	`<a><!-- comment <b> --><?pi x?>t</a>`,
	`<!DOCTYPE feedback [<!ENTITY x "y">]><feedback/>`,
	`<x:a xmlns:x="u"><x:b>1</x:b></x:a>`,
	"<a>\u00e9t\u00e9</a>",
	`<a  >  </a  >`,
}

func TestScannerMatchesEncodingXML(t *testing.T) {
	for _, c := range tokenCases {
		if !wellFormed([]byte(c)) {
			t.Fatalf("case is not well-formed: %q", c)
		}
		checkAgainstOracle(t, []byte(c))
	}
	checkAgainstOracle(t, synthReport(50, "x"))
}

// TestScannerLenient covers input encoding/xml rejects, where the scanner
// recovers what a human would read.
func TestScannerLenient(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{`<a>AT&T &bogus; &#0; & x</a>`, []string{"<a", "TAT&T &bogus; &#0; & x", ">a"}},
		{`<a><12345@mail.example></a>`, []string{"<a", "T<12345@mail.example>", ">a"}},
		{`<a><abc@host> x < y</a>`, []string{"<a", "T<abc@host> x < y", ">a"}},
		{`<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><a>&lol2;</a>`, []string{"<a", "T&lol2;", ">a"}},
	}
	for _, tt := range tests {
		got, err := scanTokens(strings.NewReader(tt.in))
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("scan %q = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestScannerLimits(t *testing.T) {
	huge := "<a b=\"" + strings.Repeat("x", maxMarkup+10) + "\"/>"
	if _, err := scanTokens(strings.NewReader(huge)); !errors.Is(err, errMarkupTooLong) {
		t.Errorf("gigantic attribute: err = %v, want errMarkupTooLong", err)
	}
	if _, err := scanTokens(strings.NewReader(`<a b="x`)); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("truncated tag: err = %v, want io.ErrUnexpectedEOF", err)
	}
	readErr := errors.New("disk on fire")
	if _, err := scanTokens(iotest.ErrReader(readErr)); !errors.Is(err, readErr) {
		t.Errorf("read error: err = %v, want %v", err, readErr)
	}
}

// FuzzTokens checks the scanner against encoding/xml on every input the
// latter accepts, and that it never panics on the rest.
func FuzzTokens(f *testing.F) {
	for _, c := range tokenCases {
		f.Add([]byte(c))
	}
	f.Add(synthReport(2, "fuzz"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = scanTokens(bytes.NewReader(data))
		checkAgainstOracle(t, data)
	})
}
