package cli

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dmarc-agent/dmarc-agent/dashboards"
)

func runDashboardsCLI(environ []string, args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = Main(context.Background(), Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Environ: environ}, args)
	return code, out.String(), errb.String()
}

func TestDashboardsExport(t *testing.T) {
	want, err := dashboards.Bundle("mail")
	if err != nil {
		t.Fatal(err)
	}
	env := []string{"DMARC_AGENT_INDEX__PREFIX=mail"}
	code, stdout, stderr := runDashboardsCLI(env, "dashboards", "export")
	if code != ExitOK || stdout != string(want) {
		t.Errorf("export to stdout: code %d, stderr %q, %d bytes, want the bundle of prefix mail", code, stderr, len(stdout))
	}
	out := filepath.Join(t.TempDir(), "dmarc.ndjson")
	if code, _, stderr := runDashboardsCLI(env, "dashboards", "export", "--out", out); code != ExitOK {
		t.Fatalf("export --out: code %d: %s", code, stderr)
	}
	if got, _ := os.ReadFile(out); !bytes.Equal(got, want) {
		t.Error("export --out did not write the bundle")
	}
	if code, _, _ := runDashboardsCLI(nil, "dashboards", "export", "--out", filepath.Join(out, "x", "y")); code != ExitFatal {
		t.Errorf("unwritable --out: code %d, want %d", code, ExitFatal)
	}
}

func TestDashboardsImport(t *testing.T) {
	var gotAuth, gotTenant, gotQuery string
	var gotFile []byte
	reply := `{"success":true,"successCount":1,"successResults":[{"type":"dashboard","id":"dmarc-agent-overview","meta":{"title":"DMARC overview"},"overwrite":true}]}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, _ := r.BasicAuth()
		gotAuth, gotTenant, gotQuery = u+":"+p, r.Header.Get("securitytenant"), r.URL.RawQuery
		f, _, err := r.FormFile("file")
		if err == nil {
			gotFile, _ = io.ReadAll(f)
		}
		io.WriteString(w, reply)
	}))
	defer srv.Close()

	// URL and password from the environment, the rest from flags.
	env := []string{"DMARC_AGENT_DASHBOARDS__URL=" + srv.URL, "DMARC_AGENT_DASHBOARDS__PASSWORD=pw", "DMARC_AGENT_INDEX__PREFIX=mail"}
	code, stdout, stderr := runDashboardsCLI(env, "dashboards", "import", "--username", "admin", "--tenant", "global", "--overwrite")
	if code != ExitOK {
		t.Fatalf("code %d: %s", code, stderr)
	}
	want, _ := dashboards.Bundle("mail")
	if gotAuth != "admin:pw" || gotTenant != "global" || gotQuery != "overwrite=true" || !bytes.Equal(gotFile, want) {
		t.Errorf("request: auth %q tenant %q query %q, bundle sent: %v", gotAuth, gotTenant, gotQuery, bytes.Equal(gotFile, want))
	}
	if wantOut := "updated  dashboard     dmarc-agent-overview (DMARC overview)\n0 created, 1 updated, 0 failed\n"; stdout != wantOut {
		t.Errorf("stdout\n%q\nwant\n%q", stdout, wantOut)
	}
	if strings.Contains(stderr, "pw") && strings.Contains(stderr, "password") {
		t.Errorf("stderr shows the password: %s", stderr)
	}

	reply = `{"success":false,"successCount":0,"errors":[{"type":"visualization","id":"dmarc-agent-totals","meta":{"title":"DMARC: totals"},"error":{"type":"conflict"}}]}`
	code, stdout, stderr = runDashboardsCLI(env, "dashboards", "import")
	if code != ExitRejected || !strings.Contains(stdout, "failed   visualization dmarc-agent-totals (DMARC: totals): conflict") ||
		!strings.Contains(stderr, "saved objects failed to import: 1 of 1") || gotQuery != "" {
		t.Errorf("per-object failure: code %d, query %q\nstdout %s\nstderr %s", code, gotQuery, stdout, stderr)
	}

	srv.Close()
	if code, _, stderr := runDashboardsCLI(env, "dashboards", "import"); code != ExitFatal || !strings.Contains(stderr, "posting saved objects") {
		t.Errorf("unreachable Dashboards: code %d: %s", code, stderr)
	}
	if code, _, _ := runDashboardsCLI(nil, "dashboards", "import", "--url", "ftp://x"); code != ExitUsage {
		t.Errorf("bad --url: code %d, want %d", code, ExitUsage)
	}
	if code, _, _ := runDashboardsCLI(nil, "dashboards", "frobnicate"); code != ExitUsage {
		t.Errorf("unknown subcommand: code %d, want %d", code, ExitUsage)
	}
}
