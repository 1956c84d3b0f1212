package dashboards

import (
	"context"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// fakeDashboards checks an import request the way OpenSearch Dashboards (with
// the security plugin) would, and answers with reply.
type fakeDashboards struct {
	t         *testing.T
	bundle    []byte
	overwrite bool
	tenant    string
	reply     string
	requests  int
}

func (f *fakeDashboards) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.requests++
	fail := func(code int, msg string) {
		f.t.Errorf("request: %s", msg)
		http.Error(w, msg, code)
	}
	if r.Method != http.MethodPost || r.URL.Path != "/base/api/saved_objects/_import" {
		fail(http.StatusNotFound, "unexpected "+r.Method+" "+r.URL.Path)
		return
	}
	if want := map[bool]string{true: "overwrite=true", false: ""}[f.overwrite]; r.URL.RawQuery != want {
		fail(http.StatusBadRequest, "query "+r.URL.RawQuery+", want "+want)
		return
	}
	if r.Header.Get("osd-xsrf") != "true" {
		fail(http.StatusBadRequest, "missing osd-xsrf header")
		return
	}
	if u, p, ok := r.BasicAuth(); !ok || u != "admin" || p != "s3cret" {
		fail(http.StatusUnauthorized, "bad basic auth")
		return
	}
	if got := r.Header.Get("securitytenant"); got != f.tenant || (f.tenant == "" && len(r.Header.Values("securitytenant")) > 0) {
		fail(http.StatusBadRequest, "securitytenant "+got+", want "+f.tenant)
		return
	}
	mr, err := r.MultipartReader()
	if err != nil {
		fail(http.StatusBadRequest, "not multipart: "+err.Error())
		return
	}
	var parts []string
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			fail(http.StatusBadRequest, err.Error())
			return
		}
		body, _ := io.ReadAll(p)
		parts = append(parts, p.FormName())
		if p.FormName() == "file" {
			if !strings.HasSuffix(p.FileName(), ".ndjson") {
				fail(http.StatusBadRequest, "file name "+p.FileName()+" does not end in .ndjson")
				return
			}
			if string(body) != string(f.bundle) {
				fail(http.StatusBadRequest, "file content is not the bundle")
				return
			}
		}
	}
	if !slices.Equal(parts, []string{"file"}) {
		fail(http.StatusBadRequest, "parts "+strings.Join(parts, ","))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, f.reply)
}

const replyMixed = `{"success":false,"successCount":2,
 "successResults":[
  {"type":"index-pattern","id":"dmarc-aggregate","meta":{"title":"dmarc-aggregate-*","icon":"indexPatternApp"},"overwrite":true},
  {"type":"dashboard","id":"dmarc-agent-overview","meta":{"title":"DMARC overview","icon":"dashboardApp"}}],
 "errors":[
  {"id":"dmarc-agent-pass-rate","type":"visualization","title":"DMARC: pass rate over time","meta":{"title":"DMARC: pass rate over time"},"error":{"type":"conflict"}},
  {"id":"dmarc-agent-source-map","type":"visualization","meta":{"title":"DMARC: where mail comes from"},"error":{"type":"missing_references","references":[{"type":"index-pattern","id":"dmarc-aggregate"}]}},
  {"id":"dmarc-agent-totals","type":"visualization","meta":{"title":"DMARC: messages"},"error":{"type":"unknown","message":"mapping rejected","statusCode":400}}]}`

func TestImport(t *testing.T) {
	bundle, err := Bundle("dmarc")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		overwrite bool
		tenant    string
		reply     string
		want      Result
		wantErr   string
	}{
		{
			name: "all created", tenant: "global",
			reply: `{"success":true,"successCount":1,"successResults":[{"type":"dashboard","id":"dmarc-agent-overview","meta":{"title":"DMARC overview"}}]}`,
			want:  Result{Created: []Item{{Type: "dashboard", ID: "dmarc-agent-overview", Title: "DMARC overview"}}},
		},
		{
			name: "per-object errors", overwrite: true, reply: replyMixed,
			want: Result{
				Created: []Item{{Type: "dashboard", ID: "dmarc-agent-overview", Title: "DMARC overview"}},
				Updated: []Item{{Type: "index-pattern", ID: "dmarc-aggregate", Title: "dmarc-aggregate-*"}},
				Failed: []Item{
					{Type: "visualization", ID: "dmarc-agent-pass-rate", Title: "DMARC: pass rate over time", Error: "conflict: the object exists (import with --overwrite to replace it)"},
					{Type: "visualization", ID: "dmarc-agent-source-map", Title: "DMARC: where mail comes from", Error: "missing references: index-pattern/dmarc-aggregate"},
					{Type: "visualization", ID: "dmarc-agent-totals", Title: "DMARC: messages", Error: "mapping rejected (status 400)"},
				},
			},
			wantErr: "saved objects failed to import: 3 of 5",
		},
		{
			name: "success false without errors", tenant: "team",
			reply:   `{"success":false,"successCount":0}`,
			wantErr: "no success and no error",
		},
		{
			name: "not an import answer", reply: `<html>proxy login</html>`,
			wantErr: "not a saved-objects import result: <html>proxy login</html>",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeDashboards{t: t, bundle: bundle, overwrite: tc.overwrite, tenant: tc.tenant, reply: tc.reply}
			srv := httptest.NewServer(f)
			defer srv.Close()
			cfg := Config{URL: srv.URL + "/base/", Username: "admin", Password: "s3cret", Tenant: tc.tenant, Overwrite: tc.overwrite}
			got, err := Import(context.Background(), cfg, bundle)
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("error %v, want %q", err, tc.wantErr)
			}
			if len(tc.want.Failed) > 0 && !errors.Is(err, ErrObjectsFailed) {
				t.Errorf("error %v does not wrap ErrObjectsFailed", err)
			}
			if !slices.Equal(got.Created, tc.want.Created) || !slices.Equal(got.Updated, tc.want.Updated) || !slices.Equal(got.Failed, tc.want.Failed) {
				t.Errorf("result\n got %+v\nwant %+v", got, tc.want)
			}
			if f.requests != 1 {
				t.Errorf("%d requests, want 1", f.requests)
			}
		})
	}
}

func TestImportHTTPErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"statusCode":403,"error":"Forbidden","message":"no permissions for tenant"}`, http.StatusForbidden)
	}))
	defer srv.Close()
	_, err := Import(context.Background(), Config{URL: srv.URL, Username: "u", Password: "pw-never-shown"}, []byte("{}\n"))
	if err == nil || !strings.Contains(err.Error(), "403 Forbidden") || !strings.Contains(err.Error(), "no permissions for tenant") {
		t.Errorf("error %v, want the status and the body", err)
	}
	if err != nil && strings.Contains(err.Error(), "pw-never-shown") {
		t.Errorf("error shows the password: %v", err)
	}
	srv.Close()
	if _, err := Import(context.Background(), Config{URL: srv.URL}, []byte("{}\n")); err == nil || !strings.Contains(err.Error(), "posting saved objects") {
		t.Errorf("closed server: error %v", err)
	}
	if _, err := Import(context.Background(), Config{}, nil); err == nil || !strings.Contains(err.Error(), "dashboards.url is not set") {
		t.Errorf("no URL: error %v", err)
	}
}

// TestImportTLS checks that verification is on by default and that a CA file
// makes a private certificate trusted.
func TestImportTLS(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"success":true,"successCount":0}`)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is the point
	srv.StartTLS()
	defer srv.Close()
	ctx := context.Background()
	if _, err := Import(ctx, Config{URL: srv.URL}, []byte("{}\n")); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("untrusted certificate accepted: %v", err)
	}
	ca := filepath.Join(t.TempDir(), "ca.pem")
	cert := srv.TLS.Certificates[0]
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Import(ctx, Config{URL: srv.URL, CAFile: ca}, []byte("{}\n")); err != nil {
		t.Errorf("with ca_file: %v", err)
	}
	if _, err := Import(ctx, Config{URL: srv.URL, InsecureSkipVerify: true}, []byte("{}\n")); err != nil {
		t.Errorf("with insecure_skip_verify: %v", err)
	}
	if _, err := Import(ctx, Config{URL: srv.URL, CAFile: filepath.Join(t.TempDir(), "none.pem")}, nil); err == nil || !strings.Contains(err.Error(), "ca_file") {
		t.Errorf("missing CA file: %v", err)
	}
}
