package cli

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/dmarc-agent/dmarc-agent/mapping"
)

func TestSetupCommand(t *testing.T) {
	var mu sync.Mutex
	var puts []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		mu.Lock()
		defer mu.Unlock()
		switch {
		case r.Method == http.MethodPut && strings.HasPrefix(r.URL.Path, "/_index_template/"):
			puts = append(puts, r.URL.Path)
			w.Write([]byte(`{"acknowledged":true}`))
		case r.URL.Path == "/_cat/plugins":
			w.Write([]byte(`[]`))
		default:
			w.WriteHeader(400)
			w.Write([]byte(`{"error":"no handler found"}`))
		}
	}))
	defer srv.Close()

	var stdout, stderr bytes.Buffer
	env := Env{Stdout: &stdout, Stderr: &stderr, Environ: []string{"DMARC_AGENT_INDEX__PREFIX=acme"}}
	code := Main(t.Context(), env, []string{"setup", "--opensearch", srv.URL})
	if code != ExitOK {
		t.Fatalf("exit %d, stderr %s", code, stderr.String())
	}
	var want string
	var wantPuts []string
	for _, k := range mapping.Kinds() {
		want += "index template " + mapping.TemplateName("acme", k) + ": installed\n"
		wantPuts = append(wantPuts, "/_index_template/"+mapping.TemplateName("acme", k))
	}
	want += "index template acme-dead-letter: installed\n"
	wantPuts = append(wantPuts, "/_index_template/acme-dead-letter")
	want += "retention: managed by dmarc-agent: indices whose month ended 400 days ago are deleted daily by `dmarc-agent run`, or by `dmarc-agent retention`\n"
	if stdout.String() != want {
		t.Errorf("stdout =\n%s\nwant\n%s", stdout.String(), want)
	}
	if stderr.String() != "" {
		t.Errorf("stderr repeats the report:\n%s", stderr.String())
	}
	if !slices.Equal(puts, wantPuts) || !slices.Contains(puts, "/_index_template/acme-aggregate") {
		t.Errorf("PUTs %v, want %v", puts, wantPuts)
	}
}

func TestSetupCommandErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no opensearch", []string{"setup"}, ExitUsage, "no OpenSearch configured"},
		{"bad url", []string{"setup", "--opensearch", "ftp://x"}, ExitUsage, "is not an http(s) URL"},
		{"cluster down", []string{"setup", "--opensearch", "http://127.0.0.1:1"}, ExitFatal, "installing index template"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Main(t.Context(), Env{Stdout: &stdout, Stderr: &stderr, Environ: os.Environ()[:0]}, tc.args)
			if code != tc.code || !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("exit %d (want %d), stderr %q (want %q)", code, tc.code, stderr.String(), tc.want)
			}
		})
	}
}
