package tlsrpt

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// MaxBytes caps the size of one report read by Parse.
const MaxBytes = 64 << 20

// ErrInvalid marks a report that cannot be used (bad input): the wrapping
// error says why in one line.
var ErrInvalid = errors.New("invalid SMTP TLS report")

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// The JSON as sent. Optional and loosely typed values use flexible types.
type jsonReport struct {
	OrgName   flexString `json:"organization-name"`
	DateRange *struct {
		Start flexString `json:"start-datetime"`
		End   flexString `json:"end-datetime"`
	} `json:"date-range"`
	ContactInfo flexString   `json:"contact-info"`
	ReportID    flexString   `json:"report-id"`
	Policies    []jsonPolicy `json:"policies"`
}

type jsonPolicy struct {
	Policy *struct {
		Type    flexString  `json:"policy-type"`
		Strings flexStrings `json:"policy-string"`
		Domain  flexString  `json:"policy-domain"`
		MXHost  flexStrings `json:"mx-host"`
	} `json:"policy"`
	Summary *struct {
		Successful flexInt `json:"total-successful-session-count"`
		Failed     flexInt `json:"total-failure-session-count"`
	} `json:"summary"`
	Failures []struct {
		ResultType     flexString `json:"result-type"`
		SendingMTAIP   flexString `json:"sending-mta-ip"`
		ReceivingMX    flexString `json:"receiving-mx-hostname"`
		ReceivingHelo  flexString `json:"receiving-mx-helo"`
		ReceivingIP    flexString `json:"receiving-ip"`
		Count          flexInt    `json:"failed-session-count"`
		AdditionalInfo flexString `json:"additional-information"`
		ReasonCode     flexString `json:"failure-reason-code"`
	} `json:"failure-details"`
}

// Parse reads one report. It is lenient with what does not change the
// meaning (missing optional fields, numbers written as strings, free text
// or non-string values in failure-reason-code, a byte-order mark) and strict
// with what does: a report without report-id, policies, a policy domain, or
// with unreadable dates or negative counts is rejected with an error wrapping
// ErrInvalid.
func Parse(r io.Reader) (*Report, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading SMTP TLS report: %w", err)
	}
	if len(b) > MaxBytes {
		return nil, invalid("larger than %d bytes", MaxBytes)
	}
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	var j jsonReport
	if err := json.Unmarshal(b, &j); err != nil {
		return nil, invalid("not RFC 8460 JSON: %s", oneLine(err.Error()))
	}
	rep := &Report{
		OrgName:     j.OrgName.trimmed(),
		ContactInfo: j.ContactInfo.trimmed(),
		ReportID:    j.ReportID.trimmed(),
	}
	if rep.ReportID == "" {
		return nil, invalid("no report-id")
	}
	if j.DateRange == nil {
		return nil, invalid("report %s: no date-range", rep.ReportID)
	}
	var zoneless1, zoneless2 bool
	if rep.Start, zoneless1, err = parseTime(j.DateRange.Start.trimmed()); err != nil {
		return nil, invalid("report %s: start-datetime: %v", rep.ReportID, err)
	}
	if rep.End, zoneless2, err = parseTime(j.DateRange.End.trimmed()); err != nil {
		return nil, invalid("report %s: end-datetime: %v", rep.ReportID, err)
	}
	if zoneless1 || zoneless2 {
		rep.Repairs = append(rep.Repairs, RepairZonelessDate)
	}
	if rep.End.Before(rep.Start) {
		return nil, invalid("report %s: end-datetime %s is before start-datetime %s", rep.ReportID,
			rep.End.Format(time.RFC3339), rep.Start.Format(time.RFC3339))
	}
	if len(j.Policies) == 0 {
		return nil, invalid("report %s: no policies", rep.ReportID)
	}
	for i, jp := range j.Policies {
		p, err := policy(jp)
		if err != nil {
			return nil, invalid("report %s: policy %d: %v", rep.ReportID, i+1, err)
		}
		rep.Policies = append(rep.Policies, p)
	}
	inferDomains(rep)
	return rep, nil
}

// inferDomains gives a policy without policy-domain (real reports omit it
// for no-policy-found) the report's domain when the other policies agree
// on one; otherwise the domain stays absent. Either way the policy says so.
func inferDomains(rep *Report) {
	var domain string
	for _, p := range rep.Policies {
		switch {
		case p.Domain == "":
		case domain == "":
			domain = p.Domain
		case domain != p.Domain:
			domain = "-" // several: nothing to infer
		}
	}
	for i := range rep.Policies {
		p := &rep.Policies[i]
		if p.Domain != "" {
			continue
		}
		if domain != "" && domain != "-" {
			p.Domain = domain
			p.Repairs = append(p.Repairs, RepairDomainInferred)
		} else {
			p.Repairs = append(p.Repairs, RepairDomainMissing)
		}
	}
}

func policy(jp jsonPolicy) (Policy, error) {
	var p Policy
	if jp.Policy == nil {
		return p, errors.New("no policy object")
	}
	p.Type = strings.ToLower(jp.Policy.Type.trimmed())
	p.Strings = jp.Policy.Strings
	p.Domain = strings.TrimSuffix(strings.ToLower(jp.Policy.Domain.trimmed()), ".")
	p.MXHosts = jp.Policy.MXHost
	if jp.Summary != nil {
		p.Successful, p.Failed = int64(jp.Summary.Successful), int64(jp.Summary.Failed)
	}
	if p.Successful < 0 || p.Failed < 0 {
		return p, fmt.Errorf("negative session count in summary (%d, %d)", p.Successful, p.Failed)
	}
	for _, f := range jp.Failures {
		if f.Count < 0 {
			return p, fmt.Errorf("negative failed-session-count %d", f.Count)
		}
		p.Failures = append(p.Failures, FailureDetail{
			ResultType:            strings.ToLower(f.ResultType.trimmed()),
			SendingMTAIP:          normIP(f.SendingMTAIP.trimmed()),
			ReceivingMXHostname:   strings.TrimSuffix(strings.ToLower(f.ReceivingMX.trimmed()), "."),
			ReceivingMXHelo:       f.ReceivingHelo.trimmed(),
			ReceivingIP:           normIP(f.ReceivingIP.trimmed()),
			FailedSessionCount:    int64(f.Count),
			AdditionalInformation: f.AdditionalInfo.trimmed(),
			FailureReasonCode:     f.ReasonCode.trimmed(),
		})
	}
	return p, nil
}

// parseTime reads an RFC 3339 date-time, as RFC 8460 requires. One without
// a zone ("2023-01-10T00:00:00", as a very large receiver writes them) is
// read as UTC, and zoneless says so.
func parseTime(s string) (t time.Time, zoneless bool, err error) {
	if s == "" {
		return time.Time{}, false, errors.New("missing")
	}
	t, err = time.Parse(time.RFC3339Nano, s)
	if err != nil {
		var err2 error
		if t, err2 = time.ParseInLocation("2006-01-02T15:04:05.999999999", s, time.UTC); err2 != nil {
			return time.Time{}, false, fmt.Errorf("%q is not an RFC 3339 date-time", s)
		}
		zoneless = true
	}
	if t = t.UTC(); t.Year() < 1990 || t.Year() > 2200 {
		return time.Time{}, false, fmt.Errorf("%q is out of range (1990 to 2200)", s)
	}
	return t, zoneless, nil
}

func normIP(s string) string {
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap().String()
	}
	return s
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// flexString takes a JSON string as is and any other value as its JSON text
// (null as "").
type flexString string

func (f flexString) trimmed() string { return strings.TrimSpace(string(f)) }

func (f *flexString) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*f = flexString(s)
		return nil
	}
	if string(b) == "null" {
		*f = ""
		return nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return err
	}
	*f = flexString(buf.String())
	return nil
}

// flexStrings takes an array of strings or a single string.
type flexStrings []string

func (f *flexStrings) UnmarshalJSON(b []byte) error {
	var one flexString
	if err := json.Unmarshal(b, &one); err == nil && (len(b) == 0 || b[0] != '[') {
		if s := one.trimmed(); s != "" {
			*f = flexStrings{s}
		}
		return nil
	}
	var many []flexString
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*f = nil
	for _, s := range many {
		if t := s.trimmed(); t != "" {
			*f = append(*f, t)
		}
	}
	return nil
}

// flexInt takes a JSON integer or a string holding one (null as 0).
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(strings.TrimSpace(string(b)), `"`)
	if s == "null" || s == "" {
		*f = 0
		return nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return fmt.Errorf("session count %s is not an integer", b)
	}
	*f = flexInt(n)
	return nil
}
