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
	// maxRecentLen bounds the values remembered to be shared between
	// records (a long comment is not kept).
	maxRecentLen = 128
)

// setLeaf stores the trimmed text v of a leaf element.
func (p *parser) setLeaf(n node, v []byte) error {
	rep, rec := p.rep, &p.rec
	switch n {
	case nodeVersion:
		rep.Version = p.str(n, v)
	case nodeOrgName:
		rep.Metadata.OrgName = p.str(n, v)
	case nodeEmail:
		rep.Metadata.Email = p.str(n, v)
	case nodeExtraContact:
		rep.Metadata.ExtraContactInfo = p.str(n, v)
	case nodeReportID:
		rep.Metadata.ReportID = p.str(n, v)
	case nodeBegin:
		p.begin = fieldValue{set: true, raw: p.str(n, v)}
	case nodeEnd:
		p.end = fieldValue{set: true, raw: p.str(n, v)}
	case nodeError:
		if len(v) > 0 {
			rep.Metadata.Errors = append(rep.Metadata.Errors, p.str(n, v))
		}
	case nodeGenerator:
		rep.Metadata.Generator = p.str(n, v)
	case nodePolDomain:
		rep.Policy.Domain = p.lower(n, v)
	case nodePolADKIM:
		rep.Policy.ADKIM = p.lower(n, v)
	case nodePolASPF:
		rep.Policy.ASPF = p.lower(n, v)
	case nodePolP:
		rep.Policy.P = p.lower(n, v)
	case nodePolSP:
		rep.Policy.SP = p.lower(n, v)
	case nodePolNP:
		rep.Policy.NP = p.lower(n, v)
	case nodePolPct:
		rep.Policy.Pct = parsePct(v)
	case nodePolFO:
		rep.Policy.FO = p.lower(n, v)
	case nodePolTesting:
		rep.Policy.Testing = p.lower(n, v)
	case nodePolDiscovery:
		rep.Policy.DiscoveryMethod = p.lower(n, v)
	case nodeSourceIP:
		return p.setIP(v)
	case nodeCount:
		c, err := strconv.ParseInt(string(v), 10, 64)
		if err != nil || c < 0 {
			return invalid("record %d: invalid count %q", p.nrec, truncate(string(v), 64))
		}
		rec.Count, p.hasCount = c, true
	case nodeDisposition:
		rec.Disposition = p.lower(n, v)
	case nodeEvalDKIM:
		rec.DKIM = p.lower(n, v)
	case nodeEvalSPF:
		rec.SPF = p.lower(n, v)
	case nodeReasonType:
		rec.Reasons[len(rec.Reasons)-1].Type = p.lower(n, v)
	case nodeReasonComment:
		rec.Reasons[len(rec.Reasons)-1].Comment = p.str(n, v)
	case nodeHeaderFrom:
		rec.HeaderFrom = p.lower(n, v)
	case nodeEnvelopeFrom:
		rec.EnvelopeFrom = p.lower(n, v)
	case nodeEnvelopeTo:
		rec.EnvelopeTo = p.lower(n, v)
	case nodeDKIMDomain:
		rec.DKIMResults[len(rec.DKIMResults)-1].Domain = p.lower(n, v)
	case nodeDKIMSelector:
		rec.DKIMResults[len(rec.DKIMResults)-1].Selector = p.lower(n, v)
	case nodeDKIMResult:
		rec.DKIMResults[len(rec.DKIMResults)-1].Result = p.lower(n, v)
	case nodeDKIMHuman:
		rec.DKIMResults[len(rec.DKIMResults)-1].HumanResult = p.str(n, v)
	case nodeSPFDomain:
		rec.SPFResults[len(rec.SPFResults)-1].Domain = p.lower(n, v)
	case nodeSPFScope:
		rec.SPFResults[len(rec.SPFResults)-1].Scope = p.lower(n, v)
	case nodeSPFResult:
		rec.SPFResults[len(rec.SPFResults)-1].Result = p.lower(n, v)
	case nodeSPFHuman:
		rec.SPFResults[len(rec.SPFResults)-1].HumanResult = p.str(n, v)
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
		p.rec.SourceAddress = p.str(nodeSourceIP, v)
		p.rec.Warnings = appendOnce(p.rec.Warnings, WarnInvalidSourceIP)
		p.hasIP = true
		return nil
	}
	p.rec.SourceIP = ip.Unmap().WithZone("")
	p.rec.SourceAddress = ""
	p.hasIP = true
	return nil
}

// str returns v as a string, invalid UTF-8 replaced by U+FFFD. n is the
// element it is the text of.
func (p *parser) str(n node, v []byte) string {
	if !utf8.Valid(v) {
		v = bytes.ToValidUTF8(v, []byte("\uFFFD"))
	}
	return p.recent[n].get(v)
}

// lower returns v lower-cased (domains, results, policy values). n is the
// element it is the text of.
func (p *parser) lower(n node, v []byte) string {
	if s, ok := vocabulary(v); ok {
		return s
	}
	for _, c := range v {
		if c >= 'A' && c <= 'Z' || c >= utf8.RuneSelf {
			if !utf8.Valid(v) {
				v = bytes.ToValidUTF8(v, []byte("\uFFFD"))
			}
			p.scratch = append(p.scratch[:0], v...)
			v = bytes.ToLower(p.scratch)
			if s, ok := vocabulary(v); ok {
				return s
			}
			break
		}
	}
	return p.recent[n].get(v)
}

// vocabulary returns the constant string equal to v when v is one of the
// few values the lower-cased elements mostly hold (results, dispositions,
// alignment modes, policies, scopes, override types, failure options):
// these cost neither an allocation nor a map look-up.
func vocabulary(v []byte) (string, bool) {
	switch string(v) {
	case "pass":
		return "pass", true
	case "fail":
		return "fail", true
	case "none":
		return "none", true
	case "softfail":
		return "softfail", true
	case "neutral":
		return "neutral", true
	case "temperror":
		return "temperror", true
	case "permerror":
		return "permerror", true
	case "policy":
		return "policy", true
	case "quarantine":
		return "quarantine", true
	case "reject":
		return "reject", true
	case "r":
		return "r", true
	case "s":
		return "s", true
	case "mfrom":
		return "mfrom", true
	case "helo":
		return "helo", true
	case "forwarded":
		return "forwarded", true
	case "sampled_out":
		return "sampled_out", true
	case "trusted_forwarder":
		return "trusted_forwarder", true
	case "mailing_list":
		return "mailing_list", true
	case "local_policy":
		return "local_policy", true
	case "other":
		return "other", true
	case "policy_test_mode":
		return "policy_test_mode", true
	case "0":
		return "0", true
	case "1":
		return "1", true
	case "d":
		return "d", true
	case "y":
		return "y", true
	case "n":
		return "n", true
	case "psl":
		return "psl", true
	case "treewalk":
		return "treewalk", true
	}
	return "", false
}

// recentValues remembers values of one element, so that the values
// reports repeat record after record (their domains, selectors, the
// reporter's comments) are one string each, without the hashing and
// growth of a map: a direct-mapped table of recentSlots strings, placed by
// length and three bytes. Values of other elements never displace them.
type recentValues [recentSlots]string

const recentSlots = 16

// recentSlot is v's place in a recentValues; v is not empty.
func recentSlot(v []byte) uint {
	n := len(v)
	return (uint(n)*31 + uint(v[0]) + uint(v[n/2])*7 + uint(v[n-1])*13) % recentSlots
}

// get returns a string equal to v: the remembered one, or a new one that
// then takes its slot.
func (r *recentValues) get(v []byte) string {
	n := len(v)
	if n == 0 {
		return ""
	}
	slot := &r[recentSlot(v)]
	if *slot == string(v) {
		return *slot
	}
	s := string(v)
	if n <= maxRecentLen {
		*slot = s
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
