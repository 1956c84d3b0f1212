package gen

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
)

// spec is one report before it is written.
type spec struct {
	rp         reporter
	org, email string
	id         string
	dom        policyDomain
	begin, end int64
	records    int
}

func newSpec(r *rand.Rand, rp reporter, records int, begin int64) spec {
	s := spec{rp: rp, org: rp.org, email: rp.email, dom: policyDomains[r.IntN(len(policyDomains))],
		begin: begin, end: begin + 86399, records: records}
	switch rp.key {
	case "google":
		s.id = strconv.FormatUint(r.Uint64(), 10)
	case "microsoft", "outlook":
		s.id = fmt.Sprintf("%016x%016x", r.Uint64(), r.Uint64())
	case "yahoo":
		s.id = fmt.Sprintf("%d.%06d", begin+int64(r.IntN(86400)), r.IntN(1000000))
	case "mailru", "docomo":
		s.id = strconv.FormatUint(r.Uint64()>>8, 10)
	default:
		d := smallReceivers[r.IntN(len(smallReceivers))]
		s.org, s.email, s.rp.domain = d, "dmarc-reports@"+d, d
		s.id = fmt.Sprintf("<%x.%d@%s>", r.Uint64(), begin, d)
	}
	return s
}

// fileName follows RFC 7489 section 7.2.1.1: receiver!domain!begin!end.ext.
func (s *spec) fileName(ext string) string {
	return fmt.Sprintf("%s!%s!%d!%d.%s", s.rp.domain, s.dom.name, s.begin, s.end, ext)
}

// xw writes indented XML through a buffer that it flushes to dst.
type xw struct {
	dst     io.Writer
	b       []byte
	ind, nl string
	n       int64
	err     error
}

func (w *xw) flush(force bool) {
	if w.err != nil || (!force && len(w.b) < 64<<10) {
		return
	}
	k, err := w.dst.Write(w.b)
	w.n += int64(k)
	w.err = err
	w.b = w.b[:0]
}

func (w *xw) indent(depth int) {
	for range depth {
		w.b = append(w.b, w.ind...)
	}
}

func (w *xw) open(depth int, tag string) {
	w.indent(depth)
	w.b = append(append(append(w.b, '<'), tag...), '>')
	w.b = append(w.b, w.nl...)
}

func (w *xw) close(depth int, tag string) {
	w.indent(depth)
	w.b = append(append(append(w.b, "</"...), tag...), '>')
	w.b = append(w.b, w.nl...)
}

func (w *xw) elem(depth int, tag, val string) {
	w.indent(depth)
	w.b = append(append(append(w.b, '<'), tag...), '>')
	w.b = appendEscaped(w.b, val)
	w.b = append(append(append(w.b, "</"...), tag...), '>')
	w.b = append(w.b, w.nl...)
}

func appendEscaped(b []byte, s string) []byte {
	if !strings.ContainsAny(s, "<>&") {
		return append(b, s...)
	}
	for _, c := range []byte(s) {
		switch c {
		case '<':
			b = append(b, "&lt;"...)
		case '>':
			b = append(b, "&gt;"...)
		case '&':
			b = append(b, "&amp;"...)
		default:
			b = append(b, c)
		}
	}
	return b
}

// writeReport writes the whole report to dst and returns the XML size.
func writeReport(dst io.Writer, r *rand.Rand, s *spec) (int64, error) {
	w := &xw{dst: dst, b: make([]byte, 0, 80<<10)}
	switch s.rp.style {
	case styleGoogle:
		w.ind, w.nl = "  ", "\n"
		w.b = append(w.b, "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<feedback>\n"...)
		w.elem(1, "version", "1.0")
	case styleMicrosoft:
		w.ind, w.nl = "  ", "\r\n"
		w.b = append(w.b, "<?xml version=\"1.0\"?>\r\n<feedback xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\r\n"...)
		w.elem(1, "version", "1.0")
	case styleYahoo:
		w.ind, w.nl = " ", "\n"
		w.b = append(w.b, "<?xml version=\"1.0\"?>\n<feedback>\n"...)
	default:
		w.b = append(w.b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feedback>"...)
	}
	w.open(1, "report_metadata")
	w.elem(2, "org_name", s.org)
	w.elem(2, "email", s.email)
	if s.rp.extra != "" {
		w.elem(2, "extra_contact_info", s.rp.extra)
	}
	w.elem(2, "report_id", s.id)
	w.open(2, "date_range")
	w.elem(3, "begin", strconv.FormatInt(s.begin, 10))
	w.elem(3, "end", strconv.FormatInt(s.end, 10))
	w.close(2, "date_range")
	w.close(1, "report_metadata")
	w.open(1, "policy_published")
	w.elem(2, "domain", s.dom.name)
	w.elem(2, "adkim", "r")
	w.elem(2, "aspf", "r")
	w.elem(2, "p", s.dom.p)
	if s.dom.sp != "" {
		w.elem(2, "sp", s.dom.sp)
	}
	if s.dom.pct > 0 {
		w.elem(2, "pct", strconv.Itoa(s.dom.pct))
	}
	if s.rp.style == styleMicrosoft {
		w.elem(2, "fo", "0")
	}
	w.close(1, "policy_published")
	if s.rp.style == stylePlain {
		w.b = append(w.b, '\n')
	}
	for range s.records {
		writeRecord(w, r, s)
		if s.rp.style == stylePlain {
			w.b = append(w.b, '\n')
		}
		w.flush(false)
	}
	w.b = append(w.b, "</feedback>\n"...)
	w.flush(true)
	return w.n, w.err
}

type dkimSig struct{ domain, selector, result string }

// writeRecord writes one record, its results consistent with who sent it.
func writeRecord(w *xw, r *rand.Rand, s *spec) {
	kind := pickSource(r)
	e, f := esps[r.IntN(len(esps))], forwarders[r.IntN(len(forwarders))]
	ip := sourceIP(r, kind, e, f)
	dom := s.dom.name
	hf := dom
	if r.IntN(10) == 0 {
		hf = "mail." + dom
	}
	var (
		sigs                  []dkimSig
		spfDomain, spfResult  = dom, "pass"
		pdkim, pspf, disp     = "pass", "pass", "none"
		reasonType, reasonCmt string
		count                 int
	)
	fail := func() {
		pdkim, pspf, disp = "fail", "fail", s.dom.p
		if s.dom.pct > 0 && s.dom.pct < 100 && r.IntN(100) >= s.dom.pct {
			disp, reasonType = "none", "sampled_out"
		}
	}
	switch kind {
	case srcGoogle:
		count = logNormal(r, math.Log(4), 1.5, 200000)
		sigs = []dkimSig{{dom, "google", "pass"}}
		if r.IntN(30) == 0 {
			sigs[0].result, pdkim = "fail", "fail"
		}
	case srcMicrosoft:
		count = logNormal(r, math.Log(3), 1.4, 200000)
		sigs = []dkimSig{{dom, "selector1", "pass"}}
		if r.IntN(3) == 0 {
			sigs = append(sigs, dkimSig{"contoso.onmicrosoft.com", "selector1-contoso-com", "pass"})
		}
	case srcESP:
		count = logNormal(r, math.Log(5), 1.8, 200000)
		spfDomain = e.spf
		if r.IntN(10) < 7 {
			sigs, pspf = []dkimSig{{dom, "s1", "pass"}, {e.dkim, "smtpapi", "pass"}}, "fail"
		} else {
			sigs = []dkimSig{{e.dkim, "s1", "pass"}}
			fail()
		}
	case srcForwarder:
		count = logNormal(r, 0, 1, 10000)
		spfDomain = f.domain
		if r.IntN(4) > 0 {
			sigs, pspf = []dkimSig{{dom, "google", "pass"}}, "fail"
			if r.IntN(5) < 2 {
				reasonType = []string{"forwarded", "mailing_list", "trusted_forwarder"}[r.IntN(3)]
			}
		} else {
			sigs = []dkimSig{{dom, "google", "fail"}, {f.domain, "fl", "pass"}}
			fail()
			if r.IntN(2) == 0 {
				disp, reasonType, reasonCmt = "none", "local_policy", "arc=pass"
			}
		}
	default:
		count = logNormal(r, 0, 0.6, 1000)
		spfResult = []string{"fail", "softfail", "none", "neutral"}[r.IntN(4)]
		if r.IntN(2) == 0 {
			d := fmt.Sprintf("bulk%d.example", r.IntN(500))
			sigs = []dkimSig{{d, "default", []string{"pass", "fail", "neutral"}[r.IntN(3)]}}
		}
		if r.IntN(3) == 0 {
			spfDomain = fmt.Sprintf("host%d.example", r.IntN(5000))
			spfResult = "pass"
		}
		fail()
	}

	w.open(1, "record")
	w.open(2, "row")
	w.elem(3, "source_ip", ip)
	w.elem(3, "count", strconv.Itoa(count))
	w.open(3, "policy_evaluated")
	w.elem(4, "disposition", disp)
	w.elem(4, "dkim", pdkim)
	w.elem(4, "spf", pspf)
	if reasonType != "" {
		w.open(4, "reason")
		w.elem(5, "type", reasonType)
		if reasonCmt != "" {
			w.elem(5, "comment", reasonCmt)
		}
		w.close(4, "reason")
	}
	w.close(3, "policy_evaluated")
	w.close(2, "row")
	w.open(2, "identifiers")
	if s.rp.style == styleMicrosoft {
		w.elem(3, "envelope_to", []string{"outlook.com", "hotmail.com", "contoso.com"}[r.IntN(3)])
		w.elem(3, "envelope_from", spfDomain)
	}
	w.elem(3, "header_from", hf)
	w.close(2, "identifiers")
	w.open(2, "auth_results")
	for _, sig := range sigs {
		w.open(3, "dkim")
		w.elem(4, "domain", sig.domain)
		if s.rp.style == styleGoogle {
			w.elem(4, "result", sig.result)
			w.elem(4, "selector", sig.selector)
		} else {
			w.elem(4, "selector", sig.selector)
			w.elem(4, "result", sig.result)
		}
		w.close(3, "dkim")
	}
	w.open(3, "spf")
	w.elem(4, "domain", spfDomain)
	if s.rp.style == styleMicrosoft {
		w.elem(4, "scope", "mfrom")
	}
	w.elem(4, "result", spfResult)
	w.close(3, "spf")
	w.close(2, "auth_results")
	w.close(1, "record")
}
