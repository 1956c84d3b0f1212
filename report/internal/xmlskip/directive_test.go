package xmlskip

import "testing"

func TestDirectiveEnd(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
	}{
		{`<!DOCTYPE feedback><feedback>`, 19},
		{`<!DOCTYPE feedback SYSTEM "a>b.dtd"><x>`, 36},
		{`<!DOCTYPE f [<!ENTITY e 'x>y'>]><f>`, 32},
		{`<!DOCTYPE f [<!-- a > in a comment -->]><f>`, 40},
		{`<!DOCTYPE f [<!ELEMENT f (#PCDATA)> <!ATTLIST f a CDATA "<">]><f>`, 62},
		{`<!DOCTYPE f [<!-- unterminated`, -1},
		{`<!DOCTYPE f [<!-`, -1},
		{`<!DOCTYPE f [<!ENTITY e "x">`, -1},
		{`<!DOCTYPE "unterminated>`, -1},
		{`<!>`, -1}, // the byte after "<!" is taken as it is, as encoding/xml does
		{`<!>>`, 4},
	} {
		if got := DirectiveEnd([]byte(tc.in)); got != tc.want {
			t.Errorf("DirectiveEnd(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
}
