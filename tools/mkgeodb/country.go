package main

import (
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

// countryName returns the English name of an ISO 3166-1 alpha-2 code, or ""
// when it is unknown.
func countryName(code string) string {
	if n, ok := shortNames[code]; ok {
		return n
	}
	r, err := language.ParseRegion(code)
	if err != nil || !r.IsCountry() {
		return ""
	}
	return regionNamer.Name(r)
}
