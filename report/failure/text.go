package failure

import (
	"io"
	"mime"
	"net/mail"
	"regexp"
	"strings"

	"golang.org/x/text/encoding/htmlindex"
)

// clean makes a value valid UTF-8 and trims it.
func clean(s string) string { return strings.TrimSpace(strings.ToValidUTF8(s, "\uFFFD")) }

func setOnce(dst *string, v string) {
	if *dst == "" {
		*dst = v
	}
}

// firstToken is the first white-space separated word of s.
func firstToken(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return strings.TrimRight(f[0], ";,")
	}
	return ""
}

// appendList adds the items of a comma (or space) separated list, lower-cased,
// skipping duplicates.
func appendList(list []string, v string) []string {
	for _, it := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == ';' }) {
		it = strings.ToLower(it)
		dup := false
		for _, x := range list {
			dup = dup || x == it
		}
		if !dup {
			list = append(list, it)
		}
	}
	return list
}

// stripAngle trims white space, quotes and one pair of angle brackets.
func stripAngle(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '<'); i >= 0 {
		if j := strings.IndexByte(s[i:], '>'); j > 0 {
			s = s[i+1 : i+j]
		}
	}
	return strings.TrimSpace(strings.Trim(s, `"' `))
}

// normDomain lower-cases a domain and drops a trailing dot and brackets.
func normDomain(s string) string {
	return strings.TrimSuffix(strings.ToLower(strings.Trim(firstToken(s), "<>[]\"'")), ".")
}

// domainOf is the lower-cased domain of an address, "" if it has none.
func domainOf(addr string) string {
	i := strings.LastIndexByte(addr, '@')
	if i < 0 {
		return ""
	}
	return normDomain(addr[i+1:])
}

var wordDecoder = &mime.WordDecoder{CharsetReader: func(charset string, in io.Reader) (io.Reader, error) {
	enc, err := htmlindex.Get(charset)
	if err != nil {
		return nil, err
	}
	return enc.NewDecoder().Reader(in), nil
}}

// decodeWords decodes RFC 2047 encoded words; undecodable text stays as is.
func decodeWords(s string) string {
	d, err := wordDecoder.DecodeHeader(s)
	if err != nil {
		return s
	}
	return d
}

var addrRE = regexp.MustCompile(`[^\s<>,;:"()\[\]]+@[^\s<>,;:"()\[\]]+`)

// address is the first address in a From-like value.
func address(v string) string {
	if a, err := (&mail.AddressParser{WordDecoder: wordDecoder}).Parse(v); err == nil {
		return clean(a.Address)
	}
	return clean(addrRE.FindString(v))
}

// addresses lists the addresses in a To-like value.
func addresses(v string) []string {
	if list, err := (&mail.AddressParser{WordDecoder: wordDecoder}).ParseList(v); err == nil {
		out := make([]string, 0, len(list))
		for _, a := range list {
			out = append(out, clean(a.Address))
		}
		return out
	}
	var out []string
	for _, a := range addrRE.FindAllString(v, -1) {
		out = append(out, clean(a))
	}
	return out
}
