package failure

import (
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// arfFields are the names that identify ARF content in plain text.
var arfFields = map[string]bool{
	"feedback-type": true, "source-ip": true, "reported-domain": true,
	"auth-failure": true, "original-mail-from": true, "original-rcpt-to": true,
	"arrival-date": true, "identity-alignment": true, "delivery-result": true,
	"dkim-domain": true, "spf-dns": true, "reporting-mta": true,
	"original-envelope-id": true, "reported-uri": true,
}

// isListSep separates the items of a DKIM-Domain list.
func isListSep(r rune) bool { return r == ';' || r == ',' || r == ' ' || r == '\t' }

// textLabels are the field names of plain-text reports that do not use the
// ARF names, with the ARF field they mean (lower case, spaces kept).
var textLabels = map[string]string{
	// Exim's DMARC failure report.
	"sender domain":     "reported-domain",
	"sender ip address": "source-ip",
	"received date":     "arrival-date",
	"spf alignment":     "spf-alignment",
	"dkim alignment":    "dkim-alignment",
}

// textLayoutFields reads a plain-text report in another layout than
// "Name: value" at the start of a line: lines indented or quoted ("> ") by
// a forwarding client (a Lotus Notes/Domino relay), or Exim's labels
// ("  Sender IP Address: 192.0.2.1"). Fields are taken from the first ARF
// field on, so that the headers of a forward that come before the report
// (From, Subject of the forwarding mail) are not taken for the original's.
func textLayoutFields(lines []string) header {
	var h header
	started := false
	for _, l := range lines {
		t := strings.TrimLeft(l, " \t>")
		name, value, ok := strings.Cut(t, ":")
		if !ok {
			continue
		}
		n := strings.ToLower(strings.TrimSpace(name))
		if arf, ok := textLabels[n]; ok {
			n = arf
		} else if _, _, ok := splitField(t); !ok {
			continue
		}
		started = started || arfFields[n]
		if started {
			h = append(h, field{name: n, value: strings.TrimSpace(value)})
		}
	}
	return h
}

func hasARFField(h header) bool {
	for _, f := range h {
		if arfFields[strings.ToLower(f.name)] {
			return true
		}
	}
	return false
}

// applyFields reads the ARF fields.
func (r *Report) applyFields(h header) {
	for _, f := range h {
		v := clean(f.value)
		switch strings.ToLower(f.name) {
		case "feedback-type":
			if r.FeedbackType == "" {
				r.FeedbackType = strings.ToLower(firstToken(v))
			}
		case "version":
			setOnce(&r.Version, v)
		case "user-agent":
			setOnce(&r.UserAgent, v)
		case "reporting-mta":
			if _, name, ok := strings.Cut(v, ";"); ok {
				v = strings.TrimSpace(name)
			}
			setOnce(&r.ReportingMTA, v)
		case "incidents":
			if n, err := strconv.ParseInt(firstToken(v), 10, 64); err == nil && n > 0 && r.Incidents == 0 {
				r.Incidents = n
			}
		case "auth-failure":
			r.AuthFailure = appendList(r.AuthFailure, v)
		case "identity-alignment":
			r.IdentityAlignment = appendList(r.IdentityAlignment, v)
		case "delivery-result":
			setOnce(&r.DeliveryResult, strings.ToLower(firstToken(v)))
		case "reported-domain":
			setOnce(&r.ReportedDomain, normDomain(v))
		case "source-ip":
			if !r.SourceIP.IsValid() {
				r.SourceIP = parseIP(v)
			}
		case "original-mail-from":
			setOnce(&r.OriginalMailFrom, stripAngle(v))
		case "original-rcpt-to":
			for _, a := range strings.Split(v, ",") {
				if a = stripAngle(a); a != "" {
					r.OriginalRcptTo = append(r.OriginalRcptTo, a)
				}
			}
		case "arrival-date", "received-date":
			if r.ArrivalDate.IsZero() {
				r.ArrivalDate = parseDate(v)
			}
		case "authentication-results":
			r.AuthenticationResults = append(r.AuthenticationResults, v)
		case "dkim-domain":
			for _, d := range strings.FieldsFunc(v, isListSep) {
				if d = normDomain(d); d != "" && !slices.Contains(r.DKIMDomains, d) {
					r.DKIMDomains = append(r.DKIMDomains, d)
				}
			}
			if len(r.DKIMDomains) > 0 {
				r.DKIMDomain = r.DKIMDomains[0]
			}
		case "original-envelope-id":
			setOnce(&r.OriginalEnvelopeID, v)
		case "reported-uri":
			if v != "" && !slices.Contains(r.ReportedURI, v) {
				r.ReportedURI = append(r.ReportedURI, v)
			}
		case "spf-alignment", "dkim-alignment": // Exim: yes | no
			if strings.EqualFold(firstToken(v), "yes") {
				r.IdentityAlignment = appendList(r.IdentityAlignment, strings.TrimSuffix(strings.ToLower(f.name), "-alignment"))
			}
		case "dkim-identity":
			setOnce(&r.DKIMIdentity, v)
		case "dkim-selector":
			setOnce(&r.DKIMSelector, v)
		case "dkim-canonicalized-header":
			setOnce(&r.DKIMCanonicalizedHeader, strings.Join(strings.Fields(v), ""))
		case "dkim-canonicalized-body":
			setOnce(&r.DKIMCanonicalizedBody, strings.Join(strings.Fields(v), ""))
		case "spf-dns":
			r.SPFDNS = append(r.SPFDNS, v)
		}
	}
}

// readOriginal returns the original headers and, for a full copy, keeps its body.
func (r *Report) readOriginal(e *entity, full bool) header {
	b := e.decodedBody()
	if !full {
		h, _ := parseHeaderLines(splitLines(b))
		return h
	}
	inner := parseEntity(stripMboxLine(b))
	r.Original.HasBody = true
	r.Original.Body = strings.ReplaceAll(strings.ToValidUTF8(string(inner.body), "\uFFFD"), "\r\n", "\n")
	return inner.header
}

// originalFromText takes the headers of the original quoted in a plain-text
// report: the usual message fields among the ARF fields.
func originalFromText(fields header) header {
	var h header
	for _, f := range fields {
		switch strings.ToLower(f.name) {
		case "from", "to", "cc", "subject", "message-id", "date", "received", "received-spf", "authentication-results":
			h = append(h, f)
		}
	}
	return h
}

// applyOriginal reads the original headers, then fills what the ARF fields
// left empty from them.
func (r *Report) applyOriginal(h header) {
	o := &r.Original
	o.Subject = clean(decodeWords(h.get("Subject")))
	o.MessageID = stripAngle(clean(h.get("Message-ID")))
	o.Date = parseDate(h.get("Date"))
	o.From = address(h.get("From"))
	for _, v := range append(h.all("To"), h.all("Cc")...) {
		o.To = append(o.To, addresses(v)...)
	}
	if len(r.AuthenticationResults) == 0 {
		for _, v := range h.all("Authentication-Results") {
			r.AuthenticationResults = append(r.AuthenticationResults, clean(v))
		}
	}
	if !r.SourceIP.IsValid() {
		r.SourceIP = sourceFromHeaders(h)
	}
	if r.ReportedDomain == "" {
		for _, d := range []string{domainOf(o.From), r.DKIMDomain, domainOf(r.OriginalMailFrom)} {
			if d != "" {
				r.ReportedDomain = d
				break
			}
		}
	}
}

var (
	clientIPRE = regexp.MustCompile(`(?i)client-ip=([0-9a-f.:]+)`)
	bracketRE  = regexp.MustCompile(`\[(?:IPv6:)?([0-9A-Fa-f.:]+)\]`)
)

// sourceFromHeaders finds the sending IP in the original's Received-SPF
// client-ip, else in the first Received header naming a public address.
func sourceFromHeaders(h header) netip.Addr {
	for _, v := range h.all("Received-SPF") {
		if m := clientIPRE.FindStringSubmatch(v); m != nil {
			if a := parseIP(m[1]); a.IsValid() {
				return a
			}
		}
	}
	for _, v := range h.all("Received") {
		for _, m := range bracketRE.FindAllStringSubmatch(v, -1) {
			a := parseIP(m[1])
			if a.IsValid() && a.IsGlobalUnicast() && !a.IsPrivate() {
				return a
			}
		}
	}
	return netip.Addr{}
}

// parseIP reads an address written as 192.0.2.1, [192.0.2.1], IPv6:2001:db8::1
// or with a trailing comment.
func parseIP(v string) netip.Addr {
	v = strings.Trim(firstToken(v), "[]<>()")
	if len(v) > 5 && strings.EqualFold(v[:5], "ipv6:") {
		v = v[5:]
	}
	a, err := netip.ParseAddr(v)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}
