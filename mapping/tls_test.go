package mapping

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/dmarc-agent/dmarc-agent/report/tlsrpt"
)

var tlsFixtures = []string{"tls_ok.json", "tls_failures.json", "tls_freetext.json", "tls_zoneless.json", "tls_no_policy_domain.json", "tls_only_no_domain.json"}

func parseTLS(t *testing.T, name string) *tlsrpt.Report {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("../report/tlsrpt/testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := tlsrpt.Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return rep
}

// TestTLSGolden compares every field, index and id of the documents of each
// TLS fixture with testdata/tls/<fixture>.
func TestTLSGolden(t *testing.T) {
	for _, name := range tlsFixtures {
		t.Run(name, func(t *testing.T) {
			var got []golden
			for _, e := range BuildTLS("dmarc", parseTLS(t, name)) {
				got = append(got, golden{e.Index, e.ID, mustJSON(t, e.Doc)})
			}
			checkGolden(t, "testdata/tls/"+name, got)
		})
	}
}

// TestTLSTotalsMatchReport: one document per policy, and the sums of
// successful and failed sessions over the documents equal the report's.
func TestTLSTotalsMatchReport(t *testing.T) {
	for _, name := range tlsFixtures {
		t.Run(name, func(t *testing.T) {
			rep := parseTLS(t, name)
			entries := BuildTLS("", rep)
			if len(entries) != len(rep.Policies) {
				t.Fatalf("%d documents for %d policies", len(entries), len(rep.Policies))
			}
			var ok, failed, details int64
			for i, e := range entries {
				s := e.Doc.TLS.Summary
				ok += s.Successful
				failed += s.Failed
				if s.Total != s.Successful+s.Failed {
					t.Errorf("policy %d: total %d != %d + %d", i, s.Total, s.Successful, s.Failed)
				}
				f := e.Doc.TLS.Failure
				n := len(rep.Policies[i].Failures)
				for _, l := range []int{len(f.ResultTypes), len(f.SendingMTAIPs), len(f.ReceivingMXHostnames), len(f.ReceivingMXHelos),
					len(f.ReceivingIPs), len(f.Counts), len(f.ReasonCodes), len(f.AdditionalInformation)} {
					if l != n {
						t.Errorf("policy %d: parallel array of %d for %d details", i, l, n)
					}
				}
				var sum int64
				for _, c := range f.Counts {
					sum += c
				}
				if sum != f.Total || f.Details != int64(n) {
					t.Errorf("policy %d: failure total %d details %d, counts sum %d, %d details", i, f.Total, f.Details, sum, n)
				}
				details += f.Details
			}
			wantOK, wantFailed := rep.Sessions()
			if ok != wantOK || failed != wantFailed {
				t.Errorf("documents: %d ok %d failed; report: %d ok %d failed", ok, failed, wantOK, wantFailed)
			}
		})
	}
	if s, f := parseTLS(t, "tls_failures.json").Sessions(); s != 882 || f != 17 {
		t.Errorf("fixture totals %d %d, want 882 17", s, f)
	}
}

// TestTLSIDs: ids are stable across parses, distinct per policy, and depend
// on the report id.
func TestTLSIDs(t *testing.T) {
	a := BuildTLS("dmarc", parseTLS(t, "tls_failures.json"))
	b := BuildTLS("other", parseTLS(t, "tls_failures.json"))
	if a[0].ID != b[0].ID || a[1].ID != b[1].ID {
		t.Error("ids change between parses or with the prefix")
	}
	if a[0].ID == a[1].ID {
		t.Error("two policies, one id")
	}
	if a[0].Index != "dmarc-smtp-tls-2026.11" || b[0].Index != "other-smtp-tls-2026.11" {
		t.Errorf("index %s %s", a[0].Index, b[0].Index)
	}
	rep := parseTLS(t, "tls_failures.json")
	rep.ReportID += "-2"
	if BuildTLS("dmarc", rep)[0].ID == a[0].ID {
		t.Error("another report id, same document id")
	}
}
