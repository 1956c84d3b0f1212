package countryname

import "testing"

func TestEnglish(t *testing.T) {
	for code, want := range map[string]string{
		"US": "United States", "de": "Germany", "HK": "Hong Kong", "GB": "United Kingdom",
		"CA": "Canada", "FR": "France", "CN": "China",
		"ZZ": "", "EU": "", "": "", "USA": "", "840": "",
	} {
		if got := English(code); got != want {
			t.Errorf("English(%q) = %q, want %q", code, got, want)
		}
	}
}
