package failure

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Date layouts seen in Arrival-Date and Date fields, tried in order after
// comments are removed and zone names replaced by offsets. All parse in UTC,
// so the result never depends on the machine's local zone.
var dateLayouts = func() []string {
	var ls []string
	for _, day := range []string{"2", "02"} {
		for _, sec := range []string{":05", ""} {
			for _, dow := range []string{"Mon, ", "Mon ", ""} {
				for _, zone := range []string{" -0700", " -07:00", ""} {
					ls = append(ls, dow+day+" Jan 2006 15:04"+sec+zone)
				}
			}
		}
	}
	return append(ls,
		time.RFC3339Nano,
		"2006-01-02T15:04:05",
		"2006-01-02 15:04:05.999999999 -0700",
		"2006-01-02 15:04:05 -0700",
		"2006-01-02 15:04:05 -07:00",
		"2006-01-02 15:04:05Z07:00",
		"2006-01-02 15:04:05",
		"Mon Jan _2 15:04:05 2006",       // ANSIC
		"Mon Jan _2 15:04:05 -0700 2006", // UnixDate with an offset
		"Mon Jan _2 15:04:05 2006 -0700",
		"Mon, Jan _2 2006 15:04:05 -0700",
		"Mon, 2 Jan 2006 15:04:05.999999999 -0700",
		"02-Jan-2006 15:04:05 -0700",
		"2006/01/02 15:04:05 -0700",
		"2006/01/02 15:04:05",
	)
}()

// zoneOffsets are the zone names of RFC 5322 (obsolete syntax) and a few
// common ones; other names are read as UTC.
var zoneOffsets = map[string]string{
	"UT": "+0000", "UTC": "+0000", "GMT": "+0000", "Z": "+0000",
	"EST": "-0500", "EDT": "-0400", "CST": "-0600", "CDT": "-0500",
	"MST": "-0700", "MDT": "-0600", "PST": "-0800", "PDT": "-0700",
	"CET": "+0100", "CEST": "+0200", "BST": "+0100", "MSK": "+0300",
	"JST": "+0900", "KST": "+0900", "AEST": "+1000", "AEDT": "+1100",
}

var (
	commentRE = regexp.MustCompile(`\([^()]*\)`)
	zoneRE    = regexp.MustCompile(`\b(?i:UT|UTC|GMT|Z|EST|EDT|CST|CDT|MST|MDT|PST|PDT|CET|CEST|BST|MSK|JST|KST|AEST|AEDT)\b`)
	trailRE   = regexp.MustCompile(`\s[A-Za-z]{1,5}$`)
	twoZoneRE = regexp.MustCompile(`([+-]\d{2}:?\d{2})\s+[+-]\d{2}:?\d{2}$`)
	spaceRE   = regexp.MustCompile(`\s+`)
)

// parseDate reads the many date forms of failure reports. It returns the zero
// time when s is empty or unreadable, or the year is implausible.
func parseDate(s string) time.Time {
	s = spaceRE.ReplaceAllString(commentRE.ReplaceAllString(s, " "), " ")
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil { // epoch seconds
		return plausible(time.Unix(n, 0).UTC())
	}
	s = zoneRE.ReplaceAllStringFunc(s, func(z string) string { return zoneOffsets[strings.ToUpper(z)] })
	s = trailRE.ReplaceAllString(s, "")     // an unknown zone name: read as UTC
	s = twoZoneRE.ReplaceAllString(s, "$1") // "+0000 UTC"
	for _, l := range dateLayouts {
		if t, err := time.ParseInLocation(l, s, time.UTC); err == nil {
			return plausible(t.UTC())
		}
	}
	return time.Time{}
}

// plausible drops dates before 1990 or after 2200 (bad clocks, typos).
func plausible(t time.Time) time.Time {
	if t.Year() < 1990 || t.Year() > 2200 {
		return time.Time{}
	}
	return t
}
