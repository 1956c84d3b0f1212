package failure

import (
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	want := time.Date(2026, 11, 19, 9, 14, 58, 0, time.UTC)
	for _, s := range []string{
		"Thu, 19 Nov 2026 09:14:58 +0000",
		"Thu, 19 Nov 2026 09:14:58 -0000 (UTC)",
		"Thu, 19 Nov 2026 10:14:58 +0100 (CET)",
		"19 Nov 2026 09:14:58 +0000",
		"Thu,  19  Nov 2026 04:14:58 -0500",
		"Thu, 19 Nov 2026 04:14:58 EST",
		"Thu, 19 Nov 2026 01:14:58 PST",
		"Thu, 19 Nov 2026 09:14:58 GMT",
		"Thu, 19 Nov 2026 09:14:58 +0000 UTC",
		"Thu, 19 Nov 2026 09:14:58 +00:00",
		"Thu 19 Nov 2026 09:14:58 +0000",
		"Thu, 19 Nov 2026 09:14:58",
		"Thu, 19 Nov 2026 09:14:58 XYZT",
		"2026-11-19T09:14:58Z",
		"2026-11-19T10:14:58+01:00",
		"2026-11-19T09:14:58.000Z",
		"2026-11-19T09:14:58",
		"2026-11-19 09:14:58",
		"2026-11-19 09:14:58 +0000",
		"2026-11-19 09:14:58 UTC",
		"2026-11-19 09:14:58Z",
		"Thu Nov 19 09:14:58 2026",
		"Thu Nov 19 09:14:58 UTC 2026",
		"Thu Nov 19 01:14:58 PST 2026",
		"19-Nov-2026 09:14:58 +0000",
		"2026/11/19 09:14:58",
		"1795079698",
	} {
		if got := parseDate(s); !got.Equal(want) {
			t.Errorf("parseDate(%q) = %v, want %v", s, got, want)
		}
	}
	if got := parseDate("19 Nov 2026 09:14 +0000"); !got.Equal(time.Date(2026, 11, 19, 9, 14, 0, 0, time.UTC)) {
		t.Errorf("no seconds: %v", got)
	}
	for _, bad := range []string{"", "yesterday", "0", "Thu, 19 Nov 1970 09:14:58 +0000", "2026-13-45T00:00:00Z", "(comment only)"} {
		if got := parseDate(bad); !got.IsZero() {
			t.Errorf("parseDate(%q) = %v, want zero", bad, got)
		}
	}
}
