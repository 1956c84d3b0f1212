package aggregate

import (
	"bytes"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

const (
	timeFmt = "2006-01-02T15:04:05Z"
	// maxIntern bounds the table of repeated values (domains, results)
	// shared between records to save allocations.
	maxIntern = 4096
)

// setLeaf stores the trimmed text v of a leaf element.
func (p *parser) setLeaf(n node, v []byte) error {
	rep, rec := p.rep, &p.rec
	switch n {
	case nodeVersion:
		rep.Version = p.str(v)
	case nodeOrgName:
		rep.Metadata.OrgName = p.str(v)
	case nodeEmail:
		rep.Metadata.Email = p.str(v)
	case nodeExtraContact:
		rep.Metadata.ExtraContactInfo = p.str(v)
	case nodeReportID:
		rep.Metadata.ReportID = p.str(v)
	case nodeBegin:
		p.begin = fieldValue{set: true, raw: p.str(v)}
	case nodeEnd:
		p.end = fieldValue{set: true, raw: p.str(v)}
	case nodeError:
		if len(v) > 0 {
			rep.Metadata.Errors = append(rep.Metadata.Errors, p.str(v))
		}
	case nodeGenerator:
		rep.Metadata.Generator = p.str(v)
	case nodePolDomain:
		rep.Policy.Domain = p.lower(v)
	case nodePolADKIM:
		rep.Policy.ADKIM = p.lower(v)
	case nodePolASPF:
		rep.Policy.ASPF = p.lower(v)
	case nodePolP:
		rep.Policy.P = p.lower(v)
	case nodePolSP:
		rep.Policy.SP = p.lower(v)
	case nodePolNP:
		rep.Policy.NP = p.lower(v)
	case nodePolPct:
		rep.Policy.Pct = parsePct(v)
	case nodePolFO:
		rep.Policy.FO = p.lower(v)
	case nodePolTesting:
		rep.Policy.Testing = p.lower(v)
	case nodePolDiscovery:
		rep.Policy.DiscoveryMethod = p.lower(v)
	case nodeSourceIP:
		return p.setIP(v)
	case nodeCount:
		c, err := strconv.ParseInt(string(v), 10, 64)
		if err != nil || c < 0 {
			return invalid("record %d: invalid count %q", p.nrec, truncate(string(v), 64))
		}
		rec.Count, p.hasCount = c, true
	case nodeDisposition:
		rec.Disposition = p.lower(v)
	case nodeEvalDKIM:
		rec.DKIM = p.lower(v)
	case nodeEvalSPF:
		rec.SPF = p.lower(v)
	case nodeReasonType:
		rec.Reasons[len(rec.Reasons)-1].Type = p.lower(v)
	case nodeReasonComment:
		rec.Reasons[len(rec.Reasons)-1].Comment = p.str(v)
	case nodeHeaderFrom:
		rec.HeaderFrom = p.lower(v)
	case nodeEnvelopeFrom:
		rec.EnvelopeFrom = p.lower(v)
	case nodeEnvelopeTo:
		rec.EnvelopeTo = p.lower(v)
	case nodeDKIMDomain:
		rec.DKIMResults[len(rec.DKIMResults)-1].Domain = p.lower(v)
	case nodeDKIMSelector:
		rec.DKIMResults[len(rec.DKIMResults)-1].Selector = p.lower(v)
	case nodeDKIMResult:
		rec.DKIMResults[len(rec.DKIMResults)-1].Result = p.lower(v)
	case nodeDKIMHuman:
		rec.DKIMResults[len(rec.DKIMResults)-1].HumanResult = p.str(v)
	case nodeSPFDomain:
		rec.SPFResults[len(rec.SPFResults)-1].Domain = p.lower(v)
	case nodeSPFScope:
		rec.SPFResults[len(rec.SPFResults)-1].Scope = p.lower(v)
	case nodeSPFResult:
		rec.SPFResults[len(rec.SPFResults)-1].Result = p.lower(v)
	case nodeSPFHuman:
		rec.SPFResults[len(rec.SPFResults)-1].HumanResult = p.str(v)
	}
	return nil
}

// setIP reads source_ip. An address that cannot be read (empty,
// "901.234.567.890", leading zeros, odd IPv6 spellings) never rejects the
// record: its text is kept in SourceAddress with a warning, because the
// record's counts are still right.
func (p *parser) setIP(v []byte) error {
	ip, err := netip.ParseAddr(string(v))
	if err != nil {
		p.rec.SourceIP = netip.Addr{}
		if len(v) == 0 {
			p.rec.Warnings = appendOnce(p.rec.Warnings, WarnMissingSourceIP)
			p.hasIP = true
			return nil
		}
		p.rec.SourceAddress = p.str(v)
		p.rec.Warnings = appendOnce(p.rec.Warnings, WarnInvalidSourceIP)
		p.hasIP = true
		return nil
	}
	p.rec.SourceIP = ip.Unmap().WithZone("")
	p.rec.SourceAddress = ""
	p.hasIP = true
	return nil
}

// str returns v as a string, invalid UTF-8 replaced by U+FFFD.
func (p *parser) str(v []byte) string {
	if !utf8.Valid(v) {
		v = bytes.ToValidUTF8(v, []byte("\uFFFD"))
	}
	return p.internBytes(v)
}

// lower returns v lower-cased (domains, results, policy values).
func (p *parser) lower(v []byte) string {
	switch string(v) { // the most frequent values, without a map look-up
	case "pass":
		return "pass"
	case "fail":
		return "fail"
	case "none":
		return "none"
	case "softfail":
		return "softfail"
	case "neutral":
		return "neutral"
	case "quarantine":
		return "quarantine"
	case "reject":
		return "reject"
	}
	for _, c := range v {
		if c >= 'A' && c <= 'Z' || c >= utf8.RuneSelf {
			if !utf8.Valid(v) {
				v = bytes.ToValidUTF8(v, []byte("\uFFFD"))
			}
			p.scratch = append(p.scratch[:0], v...)
			return p.internBytes(bytes.ToLower(p.scratch))
		}
	}
	return p.internBytes(v)
}

// internBytes returns a string for v, shared with earlier equal values so
// that the repeated domains and results of a large report cost no
// allocation.
func (p *parser) internBytes(v []byte) string {
	if len(v) == 0 {
		return ""
	}
	if s, ok := p.intern[string(v)]; ok {
		return s
	}
	s := string(v)
	if len(v) <= 128 && len(p.intern) < maxIntern {
		p.intern[s] = s
	}
	return s
}

// parseEpoch parses a date_range bound: seconds since the epoch, a fraction
// (seen in the wild) truncated.
func parseEpoch(what string, f fieldValue) (time.Time, error) {
	if !f.set || f.raw == "" {
		return time.Time{}, invalid("missing date_range %s", what)
	}
	s := f.raw
	if i := strings.IndexByte(s, '.'); i > 0 && strings.Trim(s[i+1:], "0123456789") == "" {
		s = s[:i]
	}
	n, err := strconv.ParseInt(s, 10, 64)
	// Any time from year 1 to 9999 is accepted (the drafts' examples use
	// 1970s timestamps): implausible ones are flagged by validate.
	if err != nil || n < minEpoch || n > maxEpoch {
		return time.Time{}, invalid("invalid date_range %s %q", what, truncate(f.raw, 64))
	}
	return time.Unix(n, 0).UTC(), nil
}

// The range of date_range values: 0001-01-01 to 9999-12-31T23:59:59Z, what
// a document's date can hold.
const minEpoch, maxEpoch = -62135596800, 253402300799

// parsePct reads pct leniently: leading digits, else absent.
func parsePct(v []byte) *int {
	v = bytes.TrimSuffix(v, []byte("%"))
	n, err := strconv.Atoi(string(v))
	if err != nil || n < 0 || n > 100 {
		return nil
	}
	return &n
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// oneLine makes a reason fit on one line.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

func truncate(s string, n int) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}
