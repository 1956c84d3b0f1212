package tlsrpt_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dmarc-agent/dmarc-agent/mapping"
	"github.com/dmarc-agent/dmarc-agent/report/tlsrpt"
)

// FuzzTLSParse: Parse never panics; an accepted report has an id, policies
// with domains and non-negative counts, and its documents carry exactly the
// report's session totals with aligned failure arrays. A policy without a
// domain is kept only with the repair that says so.
func FuzzTLSParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/tls_*.json")
	for _, p := range files {
		if strings.HasSuffix(p, ".golden.json") {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"report-id":"r","date-range":{"start-datetime":"2026-01-01T00:00:00Z","end-datetime":"2026-01-01T00:00:00Z"},"policies":[{"policy":{"policy-domain":"e"}}]}`))
	f.Add([]byte(`{"report-id":1,"policies":[{}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		rep, err := tlsrpt.Parse(bytes.NewReader(b))
		if err != nil {
			if !errors.Is(err, tlsrpt.ErrInvalid) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %q is not a one-line ErrInvalid", err)
			}
			return
		}
		if rep.ReportID == "" || len(rep.Policies) == 0 || rep.End.Before(rep.Start) {
			t.Fatalf("accepted: %+v", rep)
		}
		entries := mapping.BuildTLS("dmarc", rep)
		if len(entries) != len(rep.Policies) {
			t.Fatalf("%d documents, %d policies", len(entries), len(rep.Policies))
		}
		var ok, failed int64
		ids := map[string]bool{}
		for i, e := range entries {
			p := rep.Policies[i]
			if p.Domain == "" && !slices.Equal(p.Repairs, []string{tlsrpt.RepairDomainMissing}) || p.Successful < 0 || p.Failed < 0 {
				t.Fatalf("policy %d accepted: %+v", i, p)
			}
			ok += e.Doc.TLS.Summary.Successful
			failed += e.Doc.TLS.Summary.Failed
			if len(e.Doc.TLS.Failure.Counts) != len(p.Failures) || len(e.Doc.TLS.Failure.SendingMTAIPs) != len(p.Failures) {
				t.Fatalf("policy %d: arrays not aligned", i)
			}
			if ids[e.ID] {
				t.Fatalf("duplicate id %s", e.ID)
			}
			ids[e.ID] = true
			if _, err := json.Marshal(e.Doc); err != nil {
				t.Fatal(err)
			}
		}
		if s, f := rep.Sessions(); s != ok || f != failed {
			t.Fatalf("totals %d/%d, documents %d/%d", s, f, ok, failed)
		}
	})
}
