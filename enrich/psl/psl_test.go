package psl

import "testing"

// Twice: the first pass fills the cache, the second answers from it.
func TestRegistered(t *testing.T) {
	for range 2 {
		testRegistered(t)
	}
}

func testRegistered(t *testing.T) {
	t.Helper()
	for name, want := range map[string]string{
		"mail-sor-f41.google.com.":                          "google.com",
		"ec2-1-2-3-4.compute-1.amazonaws.com":               "amazonaws.com",
		"a48-12.smtp-out.amazonses.com":                     "amazonses.com",
		"mail.Example.CO.UK.":                               "example.co.uk",
		"myapp.herokuapp.com":                               "herokuapp.com",
		"user.github.io":                                    "github.io",
		"o1.ptr1234.sendgrid.net":                           "sendgrid.net",
		"mail-eopbgr800041.outbound.protection.outlook.com": "outlook.com",
		"co.uk":    "",
		"com":      "",
		"":         "",
		".":        "",
		"a..b.com": "",
	} {
		if got := Registered(name); got != want {
			t.Errorf("Registered(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestSameOrgAndWithin(t *testing.T) {
	if !SameOrg("mail.example.com", "EXAMPLE.com.") || SameOrg("example.com", "example.net") || SameOrg("", "") ||
		!SameOrg("example.com", "example.com") || SameOrg("co.uk", "co.uk") || SameOrg("a..b", "a..b") {
		t.Error("SameOrg")
	}
	for _, tc := range []struct {
		name, domain string
		want         bool
	}{
		{"a.b.example.com", "example.com", true},
		{"example.com", "example.com", true},
		{"badexample.com", "example.com", false},
		{"example.com", "a.example.com", false},
	} {
		if got := Within(tc.name, tc.domain); got != tc.want {
			t.Errorf("Within(%q, %q) = %v", tc.name, tc.domain, got)
		}
	}
}
