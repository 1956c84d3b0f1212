package mapping_test

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dmarc-agent/dmarc-agent/mapping"
)

// stdJSON is what the pipeline wrote before AppendJSON: encoding/json,
// compact, without HTML escaping.
func stdJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte{'\n'}), nil
}

// checkSameJSON fails unless AppendJSON writes exactly what encoding/json
// writes for d, or both refuse it. It also checks that AppendJSON appends
// (keeps what dst held).
func checkSameJSON(t *testing.T, d *mapping.AggregateDoc) {
	t.Helper()
	want, werr := stdJSON(d)
	got, gerr := d.AppendJSON([]byte("prefix"))
	if (werr != nil) != (gerr != nil) {
		t.Fatalf("encoding/json error %v, AppendJSON error %v\ndoc: %#v", werr, gerr, d)
	}
	if werr != nil {
		return
	}
	if !bytes.HasPrefix(got, []byte("prefix")) || !bytes.Equal(got[len("prefix"):], want) {
		t.Fatalf("AppendJSON differs from encoding/json:\n got %s\nwant %s", got, want)
	}
}

// enrichLike fills the enrichment fields the way enrich does, varied by i,
// so that the golden documents also cover geo, as, sender and verdict.
func enrichLike(d *mapping.AggregateDoc, i int) {
	switch i % 4 {
	case 0:
		d.Source.Domain, d.Source.BaseDomain = "mail-qk1-f182.google.com", "google.com"
		d.Source.Geo = &mapping.Geo{CountryISOCode: "US", CountryName: "United States", CityName: "Mountain View",
			Location: &mapping.GeoPoint{Lat: 37.4043, Lon: -122.0748}}
		d.Source.AS = &mapping.AS{Number: 15169, Organization: &mapping.Organization{Name: "Google LLC"}}
		d.Source.Sender = &mapping.Sender{Name: "Google Workspace", Type: "email_provider", MatchedBy: "ptr"}
		d.DMARC.Verdict = "aligned"
	case 1:
		d.Source.Geo = &mapping.Geo{CountryISOCode: "DE", CountryName: "Germany"}
		d.Source.AS = &mapping.AS{Number: 24940}
		d.DMARC.Verdict = "spoofed"
	case 2:
		d.DMARC.Verdict = "forwarded"
	}
}

// TestAppendJSONGolden compares AppendJSON with encoding/json on every
// document of the golden fixtures, as built and once enriched.
func TestAppendJSONGolden(t *testing.T) {
	entries, err := os.ReadDir(filepath.Join("testdata", "reports"))
	if err != nil {
		t.Fatal(err)
	}
	docs := 0
	for _, e := range entries {
		o := ingestFile(t, e.Name())
		for i, l := range o.lines {
			if l.Doc == nil {
				continue
			}
			docs++
			checkSameJSON(t, l.Doc)
			enrichLike(l.Doc, i)
			checkSameJSON(t, l.Doc)
		}
	}
	if docs < 40 {
		t.Fatalf("only %d documents in the fixtures; the comparison proves little", docs)
	}
}

// TestAppendJSONEdgeCases covers what the fixtures do not: escaping,
// invalid UTF-8, empty but non-nil slices (present for omitzero, absent
// for omitempty), zero-valued pointers, float formats, time zones and the
// times and floats encoding/json refuses.
func TestAppendJSONEdgeCases(t *testing.T) {
	base := func() *mapping.AggregateDoc {
		ts := time.Date(2023, 11, 15, 0, 0, 0, 0, time.UTC)
		return &mapping.AggregateDoc{Timestamp: ts, Report: mapping.ReportMeta{Begin: ts, End: ts}}
	}
	zero := 0
	cases := map[string]func(d *mapping.AggregateDoc){
		"zero document":   func(d *mapping.AggregateDoc) { *d = mapping.AggregateDoc{} },
		"escapes":         func(d *mapping.AggregateDoc) { d.Report.OrgName = "a\"b\\c\n\r\t\b\f\x00\x01\x1f\x7f<>&/'" },
		"invalid utf-8":   func(d *mapping.AggregateDoc) { d.Report.ID = "ok\xff\xfe mid \xc3 end\xe2\x82" },
		"line separators": func(d *mapping.AggregateDoc) { d.Policy.Domain = "a\u2028b\u2029c\u2027é日本🎉" },
		"empty slices":    func(d *mapping.AggregateDoc) { d.DMARC.Override.Types = []string{}; d.Auth.SPF.Scopes = []string{} },
		"empty strings":   func(d *mapping.AggregateDoc) { d.Auth.DKIM.Domains = []string{"", ""} },
		"errors":          func(d *mapping.AggregateDoc) { d.Report.Errors = []string{"x", "y<z"} },
		"pct zero":        func(d *mapping.AggregateDoc) { d.Policy.Pct = &zero },
		"empty geo":       func(d *mapping.AggregateDoc) { d.Source.Geo = &mapping.Geo{} },
		"zero point":      func(d *mapping.AggregateDoc) { d.Source.Geo = &mapping.Geo{Location: &mapping.GeoPoint{}} },
		"negative zero": func(d *mapping.AggregateDoc) {
			d.Source.Geo = &mapping.Geo{Location: &mapping.GeoPoint{Lat: math.Copysign(0, -1)}}
		},
		"tiny and huge": func(d *mapping.AggregateDoc) {
			d.Source.Geo = &mapping.Geo{Location: &mapping.GeoPoint{Lat: 1e-7, Lon: -3e21}}
		},
		"exponent cut": func(d *mapping.AggregateDoc) {
			d.Source.Geo = &mapping.Geo{Location: &mapping.GeoPoint{Lat: 1e-6, Lon: 1e20}}
		},
		"nan": func(d *mapping.AggregateDoc) {
			d.Source.Geo = &mapping.Geo{Location: &mapping.GeoPoint{Lat: math.NaN()}}
		},
		"inf": func(d *mapping.AggregateDoc) {
			d.Source.Geo = &mapping.Geo{Location: &mapping.GeoPoint{Lon: math.Inf(-1)}}
		},
		"empty as":       func(d *mapping.AggregateDoc) { d.Source.AS = &mapping.AS{Organization: &mapping.Organization{}} },
		"empty sender":   func(d *mapping.AggregateDoc) { d.Source.Sender = &mapping.Sender{} },
		"negative count": func(d *mapping.AggregateDoc) { d.Message.Count = math.MinInt64 },
		"nanoseconds":    func(d *mapping.AggregateDoc) { d.Timestamp = time.Date(2024, 2, 29, 23, 59, 59, 123456780, time.UTC) },
		"offset zone": func(d *mapping.AggregateDoc) {
			d.Report.Begin = time.Date(2024, 1, 1, 5, 0, 0, 0, time.FixedZone("X", -(3*3600+30*60)))
		},
		"offset seconds": func(d *mapping.AggregateDoc) {
			d.Report.End = time.Date(2024, 1, 1, 5, 0, 0, 0, time.FixedZone("Y", 3600+17))
		},
		"zone too far": func(d *mapping.AggregateDoc) {
			d.Report.End = time.Date(2024, 1, 1, 5, 0, 0, 0, time.FixedZone("Z", 25*3600))
		},
		"zone 99 hours": func(d *mapping.AggregateDoc) {
			d.Report.End = time.Date(2024, 1, 1, 5, 0, 0, 0, time.FixedZone("Z", 99*3600+59*60))
		},
		"zone 100 hours": func(d *mapping.AggregateDoc) {
			d.Report.End = time.Date(2024, 1, 1, 5, 0, 0, 0, time.FixedZone("Z", 100*3600))
		},
		"year 10000":          func(d *mapping.AggregateDoc) { d.Timestamp = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) },
		"year -1":             func(d *mapping.AggregateDoc) { d.Report.Begin = time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC) },
		"year 0":              func(d *mapping.AggregateDoc) { d.Report.Begin = time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC) },
		"local zone":          func(d *mapping.AggregateDoc) { d.Timestamp = time.Unix(1700000000, 5).In(time.Local) },
		"all string fields":   func(d *mapping.AggregateDoc) { fillAll(d, "v") },
		"all fields escaping": func(d *mapping.AggregateDoc) { fillAll(d, "\"\\\x02\u2028\xff") },
	}
	for name, set := range cases {
		t.Run(name, func(t *testing.T) {
			d := base()
			set(d)
			checkSameJSON(t, d)
		})
	}
}

// fillAll sets every field of d (strings to s).
func fillAll(d *mapping.AggregateDoc, s string) {
	ss := []string{s, s + s}
	pct := 42
	d.Report = mapping.ReportMeta{OrgName: s, OrgEmail: s, ExtraContactInfo: s, ID: s, Begin: d.Report.Begin, End: d.Report.End,
		Errors: ss, Generator: s, Schema: s, Repairs: ss}
	d.Policy = mapping.PolicyPublished{Domain: s, ADKIM: s, ASPF: s, P: s, SP: s, NP: s, Pct: &pct, FO: s, Testing: s, DiscoveryMethod: s}
	d.Source = mapping.Source{Address: s, IP: s, Domain: s, BaseDomain: s,
		Geo:    &mapping.Geo{CountryISOCode: s, CountryName: s, RegionName: s, CityName: s, Location: &mapping.GeoPoint{Lat: -1.5, Lon: 179.99999}},
		AS:     &mapping.AS{Number: math.MaxUint32, Organization: &mapping.Organization{Name: s}},
		Sender: &mapping.Sender{Name: s, Type: s, MatchedBy: s}}
	d.Message = mapping.AggMessage{Count: math.MaxInt64, Disposition: s}
	d.DMARC = mapping.DMARCResult{DKIM: s, SPF: s, Pass: mapping.PassOf(true), Override: mapping.Override{Types: ss, Comments: ss}, Verdict: s,
		Derived: true, DerivedDKIM: s, DerivedSPF: s}
	d.Warnings = ss
	d.Identifiers = mapping.Identifiers{HeaderFrom: s, EnvelopeFrom: s, EnvelopeTo: s}
	d.Auth = mapping.Auth{DKIM: mapping.AuthDKIM{Domains: ss, Selectors: ss, Results: ss, HumanResults: ss},
		SPF: mapping.AuthSPF{Domains: ss, Scopes: ss, Results: ss, HumanResults: ss}}
}

// randomDoc builds a document in which every field is independently
// absent, empty or set, with strings drawn from an alphabet rich in what
// JSON escapes.
func randomDoc(r *rand.Rand) *mapping.AggregateDoc {
	alphabet := []string{"a", "Z", "0", ".", "-", " ", "\"", "\\", "/", "<", ">", "&", "\n", "\t", "\x00", "\x1f", "\x7f",
		"é", "日", "🎉", "\u2028", "\u2029", "\xff", "\xc3", "\xe2\x82", "\ufffd"}
	str := func() string {
		if r.IntN(3) == 0 {
			return ""
		}
		var b strings.Builder
		for range r.IntN(12) {
			b.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		return b.String()
	}
	strs := func() []string {
		switch r.IntN(4) {
		case 0:
			return nil
		case 1:
			return []string{}
		}
		out := make([]string, 1+r.IntN(3))
		for i := range out {
			out[i] = str()
		}
		return out
	}
	tm := func() time.Time {
		sec := r.Int64N(400*365*86400) - 100*365*86400 // 1870 .. 2270
		switch r.IntN(20) {
		case 0:
			return time.Time{}
		case 1:
			return time.Date(9999+r.IntN(3), 12, 31, 23, 59, 59, 0, time.UTC)
		}
		t := time.Unix(sec, r.Int64N(3)*r.Int64N(1e9)).UTC()
		if r.IntN(5) == 0 {
			t = t.In(time.FixedZone("F", (r.IntN(60)-30)*3600+r.IntN(4)*900+r.IntN(2)*7))
		}
		return t
	}
	flt := func() float64 {
		switch r.IntN(8) {
		case 0:
			return 0
		case 1:
			return math.Copysign(0, -1)
		case 2:
			return math.Ldexp(r.Float64(), r.IntN(200)-100)
		case 3:
			return []float64{math.NaN(), math.Inf(1), 1e21, 1e-6, 9.999999999999999e20, 123456789.125}[r.IntN(6)]
		}
		return (r.Float64() - 0.5) * 360
	}
	d := &mapping.AggregateDoc{Timestamp: tm()}
	d.Report = mapping.ReportMeta{OrgName: str(), OrgEmail: str(), ExtraContactInfo: str(), ID: str(), Begin: tm(), End: tm(),
		Errors: strs(), Generator: str(), Schema: str(), Repairs: strs()}
	d.Policy = mapping.PolicyPublished{Domain: str(), ADKIM: str(), ASPF: str(), P: str(), SP: str(), NP: str(),
		FO: str(), Testing: str(), DiscoveryMethod: str()}
	if r.IntN(2) == 0 {
		pct := r.IntN(300) - 100
		d.Policy.Pct = &pct
	}
	d.Source = mapping.Source{Address: str(), IP: str(), Domain: str(), BaseDomain: str()}
	if r.IntN(2) == 0 {
		d.Source.Geo = &mapping.Geo{CountryISOCode: str(), CountryName: str(), RegionName: str(), CityName: str()}
		if r.IntN(2) == 0 {
			d.Source.Geo.Location = &mapping.GeoPoint{Lat: flt(), Lon: flt()}
		}
	}
	if r.IntN(2) == 0 {
		d.Source.AS = &mapping.AS{Number: r.Uint32() >> r.IntN(33)}
		if r.IntN(2) == 0 {
			d.Source.AS.Organization = &mapping.Organization{Name: str()}
		}
	}
	if r.IntN(2) == 0 {
		d.Source.Sender = &mapping.Sender{Name: str(), Type: str(), MatchedBy: str()}
	}
	d.Message = mapping.AggMessage{Count: r.Int64() - math.MaxInt64/2, Disposition: str()}
	d.DMARC = mapping.DMARCResult{DKIM: str(), SPF: str(), Pass: []*bool{nil, mapping.PassOf(true), mapping.PassOf(false)}[r.IntN(3)],
		Override: mapping.Override{Types: strs(), Comments: strs()}, Verdict: str(),
		Derived: r.IntN(2) == 0, DerivedDKIM: str(), DerivedSPF: str()}
	d.Warnings = strs()
	d.Identifiers = mapping.Identifiers{HeaderFrom: str(), EnvelopeFrom: str(), EnvelopeTo: str()}
	d.Auth.DKIM = mapping.AuthDKIM{Domains: strs(), Selectors: strs(), Results: strs(), HumanResults: strs()}
	d.Auth.SPF = mapping.AuthSPF{Domains: strs(), Scopes: strs(), Results: strs(), HumanResults: strs()}
	return d
}

// TestAppendJSONRandom is the property: for random documents AppendJSON
// and encoding/json agree byte for byte (or both refuse).
func TestAppendJSONRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(2026, 11))
	n := 20000
	if testing.Short() {
		n = 2000
	}
	for range n {
		checkSameJSON(t, randomDoc(r))
	}
}

// FuzzAppendJSON drives the strings, numbers and time of a document from
// the fuzzer.
func FuzzAppendJSON(f *testing.F) {
	f.Add("google.com", "a\"b\\\n", "\xff\u2028", int64(1700006400), int64(0), 3600, 42.5, uint32(15169), int64(7))
	f.Add("", "", "", int64(-62135596800), int64(999999999), -86399, math.Inf(1), uint32(0), int64(-1))
	f.Fuzz(func(t *testing.T, s1, s2, s3 string, sec, nsec int64, zone int, lat float64, asn uint32, count int64) {
		tm := time.Unix(sec, nsec).In(time.FixedZone("F", zone))
		pct := int(count % 1000)
		d := &mapping.AggregateDoc{Timestamp: tm,
			Report:   mapping.ReportMeta{OrgName: s1, ID: s2, Begin: tm.UTC(), End: tm, Errors: []string{s3, s1}, Schema: s3, Repairs: []string{s2}},
			Policy:   mapping.PolicyPublished{Domain: s2, P: s1, Pct: &pct},
			Source:   mapping.Source{Address: s1, IP: s3, Geo: &mapping.Geo{CityName: s1, Location: &mapping.GeoPoint{Lat: lat, Lon: -lat}}, AS: &mapping.AS{Number: asn}},
			Message:  mapping.AggMessage{Count: count, Disposition: s2},
			DMARC:    mapping.DMARCResult{Override: mapping.Override{Comments: []string{s1}}, Verdict: s3, DerivedSPF: s2},
			Warnings: []string{s3},
			Auth:     mapping.Auth{SPF: mapping.AuthSPF{Domains: []string{s2}, Results: []string{s3}}},
		}
		checkSameJSON(t, d)
	})
}
