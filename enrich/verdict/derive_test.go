package verdict

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/dmarc-agent/dmarc-agent/mapping"
)

// dr is a record for Derive: what policy_evaluated says (dkim, spf; "" for
// absent), the published alignment modes, and auth_results.
type dr struct {
	dkim, spf, adkim, aspf, from string
	dkimD, dkimR                 []string
	spfD, spfS, spfR             []string
}

func (r dr) doc() *mapping.AggregateDoc {
	d := &mapping.AggregateDoc{}
	d.Policy.Domain, d.Policy.ADKIM, d.Policy.ASPF = "example.com", r.adkim, r.aspf
	d.Identifiers.HeaderFrom = r.from
	d.DMARC.DKIM, d.DMARC.SPF = r.dkim, r.spf
	if r.dkim == "pass" || r.spf == "pass" {
		d.DMARC.Pass = mapping.PassOf(true)
	} else if r.dkim != "" && r.spf != "" {
		d.DMARC.Pass = mapping.PassOf(false)
	}
	d.Auth.DKIM.Domains, d.Auth.DKIM.Results = r.dkimD, r.dkimR
	d.Auth.SPF.Domains, d.Auth.SPF.Scopes, d.Auth.SPF.Results = r.spfD, r.spfS, r.spfR
	return d
}

func TestDerive(t *testing.T) {
	s := func(v ...string) []string { return v }
	for _, tc := range []struct {
		name            string
		r               dr
		pass, dkim, spf string // want: pass "true"/"false"/"" (absent); derived alignments
		derived         bool
		verdict         string
	}{
		{"reported: nothing derived", dr{dkim: "fail", spf: "fail", from: "example.com", dkimD: s("example.com"), dkimR: s("pass")},
			"false", "", "", false, Misconfigured},
		{"relaxed DKIM, subdomain signature passes", dr{from: "example.com", dkimD: s("mail.example.com"), dkimR: s("pass"), spfD: s("x.example.net"), spfR: s("pass")},
			"true", "pass", "fail", true, Aligned},
		{"strict DKIM, subdomain signature does not align", dr{adkim: "s", from: "example.com", dkimD: s("mail.example.com"), dkimR: s("pass"), spfD: s("x.example.net"), spfR: s("pass")},
			"false", "fail", "fail", true, Misconfigured},
		{"relaxed via the PSL: co.uk is a suffix", dr{from: "shop.example.co.uk", dkimD: s("example.co.uk", "other.co.uk"), dkimR: s("fail", "pass"), spfD: s("mail.example.co.uk"), spfR: s("pass")},
			"true", "fail", "pass", true, Aligned},
		{"strict SPF, same domain", dr{aspf: "s", from: "example.com", spfD: s("EXAMPLE.com."), spfR: s("pass")},
			"true", "fail", "pass", true, Aligned},
		{"HELO ignored when MAIL FROM was checked", dr{from: "example.com", spfD: s("example.com", "evil.example"), spfS: s("helo", "mfrom"), spfR: s("pass", "pass")},
			"false", "fail", "fail", true, Misconfigured},
		{"HELO counts when it is the only check", dr{from: "example.com", spfD: s("mx.example.com"), spfS: s("helo"), spfR: s("pass")},
			"true", "fail", "pass", true, Aligned},
		{"reported spf fail, dkim missing and no signature", dr{spf: "fail", from: "example.com", spfD: s("example.com"), spfR: s("fail")},
			"false", "fail", "", true, Spoofed},
		{"reported dkim pass: pass known, nothing derived", dr{dkim: "pass", from: "example.com"},
			"true", "", "", false, Aligned},
		{"no auth_results at all: unknown", dr{from: "example.com"},
			"", "", "", false, ""},
		{"DKIM fails, no SPF result: SPF and pass unknown", dr{from: "example.com", dkimD: s("example.com"), dkimR: s("fail")},
			"", "fail", "", true, ""},
		{"DKIM passes, no SPF result: pass", dr{from: "example.com", dkimD: s("example.com"), dkimR: s("pass")},
			"true", "pass", "", true, Aligned},
		{"no header_from: nothing knowable", dr{dkimD: s("example.com"), dkimR: s("pass"), spfD: s("example.com"), spfR: s("pass")},
			"", "", "", false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := tc.r.doc()
			Derive(d)
			pass := ""
			if d.DMARC.Pass != nil {
				pass = fmt.Sprint(*d.DMARC.Pass)
			}
			if pass != tc.pass || d.DMARC.DerivedDKIM != tc.dkim || d.DMARC.DerivedSPF != tc.spf || d.DMARC.Derived != tc.derived {
				t.Errorf("pass %q derived_dkim %q derived_spf %q derived %v; want %q %q %q %v",
					pass, d.DMARC.DerivedDKIM, d.DMARC.DerivedSPF, d.DMARC.Derived, tc.pass, tc.dkim, tc.spf, tc.derived)
			}
			if d.DMARC.DKIM != tc.r.dkim || d.DMARC.SPF != tc.r.spf {
				t.Errorf("reported values changed: dkim %q spf %q, want %q %q", d.DMARC.DKIM, d.DMARC.SPF, tc.r.dkim, tc.r.spf)
			}
			if v, _ := Decide(d, nil); v != tc.verdict {
				t.Errorf("verdict %q, want %q", v, tc.verdict)
			}
			Derive(d) // idempotent
			if pass2 := d.DMARC.Pass; (pass2 == nil) != (pass == "") {
				t.Error("second Derive changed pass")
			}
		})
	}
}

// TestDeriveNeverInventsReportedValues: whatever auth_results say, a
// record without policy_evaluated dkim (spf) never gets dmarc.dkim
// (dmarc.spf), in the document as written.
func TestDeriveNeverInventsReportedValues(t *testing.T) {
	n := 0
	domains := []string{"", "example.com", "mail.example.com", "example.net"}
	results := []string{"pass", "fail", "none"}
	for _, dd := range domains {
		for _, dres := range results {
			for _, sd := range domains {
				for _, sres := range results {
					for _, mode := range []string{"", "r", "s"} {
						r := dr{adkim: mode, aspf: mode, from: "example.com",
							dkimD: []string{dd}, dkimR: []string{dres}, spfD: []string{sd}, spfR: []string{sres}}
						d := r.doc()
						Derive(d)
						b, err := d.AppendJSON(nil)
						if err != nil {
							t.Fatal(err)
						}
						var got struct{ DMARC map[string]any }
						if err := json.Unmarshal(b, &got); err != nil {
							t.Fatal(err)
						}
						_, dkim := got.DMARC["dkim"]
						_, spf := got.DMARC["spf"]
						if dkim || spf || d.DMARC.DKIM != "" || d.DMARC.SPF != "" {
							t.Fatalf("%+v: invented a reported value: %s", r, b)
						}
						n++
					}
				}
			}
		}
	}
	if n != 4*3*4*3*3 {
		t.Fatalf("%d cases", n)
	}
}
