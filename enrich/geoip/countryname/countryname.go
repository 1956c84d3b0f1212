// Package countryname gives the English name of an ISO 3166-1 alpha-2 code.
// It is shared by the database generator (tools/mkgeodb) and by the reader,
// which fills names for databases that carry only codes.
package countryname

import (
	"strings"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// shortNames replaces CLDR's long English names where the common short form
// is what readers expect (and what MaxMind's databases use).
var shortNames = map[string]string{
	"HK": "Hong Kong",
	"MO": "Macao",
	"PS": "Palestine",
	"MM": "Myanmar",
	"CI": "Ivory Coast",
	"CD": "DR Congo",
	"CG": "Congo Republic",
	"XK": "Kosovo",
}

var regionNamer = display.English.Regions()

// English returns the English name of code, or "" when it is not a country.
func English(code string) string {
	code = strings.ToUpper(code)
	if n, ok := shortNames[code]; ok {
		return n
	}
	if len(code) != 2 {
		return ""
	}
	r, err := language.ParseRegion(code)
	if err != nil || !r.IsCountry() {
		return ""
	}
	return regionNamer.Name(r)
}
