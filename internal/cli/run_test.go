package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dmarc-agent/dmarc-agent/server"
)

func writeConfig(t *testing.T, yaml string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(p, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRunInvalidConfigNamesEveryProblem(t *testing.T) {
	p := writeConfig(t, `
sources:
  dir:
    enabled: true
    path: ""
    after_delivery: shred
pipeline:
  queue_size: 0
http:
  listen: "9464"
`)
	code, _, stderr := runCLI(t, nil, "run", "--config", p)
	if code != ExitUsage {
		t.Errorf("exit %d, want %d", code, ExitUsage)
	}
	for _, key := range []string{"sources.dir.path", "sources.dir.after_delivery", "pipeline.queue_size", "http.listen"} {
		if !strings.Contains(stderr, key) {
			t.Errorf("stderr does not name %s:\n%s", key, stderr)
		}
	}
}

func TestRunUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		env  []string
		want string
	}{
		{"no source", []string{"run"}, nil, "no source is enabled"},
		{"bad opensearch flag", []string{"run", "--opensearch", "ftp://x"}, []string{"DMARC_AGENT_SOURCES__DIR__ENABLED=true", "DMARC_AGENT_SOURCES__DIR__PATH=/tmp"}, "output.opensearch.urls"},
		{"stray argument", []string{"run", "extra"}, nil, `unexpected argument "extra"`},
		{"unknown flag", []string{"run", "--nope"}, nil, "flag provided but not defined"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, tc.env, tc.args...)
			if code != ExitUsage || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, ExitUsage, tc.want)
			}
		})
	}
}

func TestHealthcheck(t *testing.T) {
	srv := server.New(server.Config{Listen: "127.0.0.1:0"}, prometheus.NewRegistry(), nil, nil)
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	addr := srv.Addr()
	env := []string{"DMARC_AGENT_HTTP__LISTEN=" + addr}
	if code, out, stderr := runCLI(t, env, "healthcheck"); code != ExitOK || out != "ok\n" {
		t.Errorf("healthy agent: exit %d, %q %q", code, out, stderr)
	}
	if code, _, _ := runCLI(t, nil, "healthcheck", "--url", "http://"+addr+"/nope"); code != ExitFatal {
		t.Errorf("404: exit %d, want %d", code, ExitFatal)
	}
	srv.Shutdown(context.Background())
	if code, _, stderr := runCLI(t, env, "healthcheck"); code != ExitFatal || !strings.Contains(stderr, "refused") {
		t.Errorf("stopped agent: exit %d, %q", code, stderr)
	}
	if code, _, stderr := runCLI(t, []string{"DMARC_AGENT_HTTP__LISTEN="}, "healthcheck"); code != ExitUsage || !strings.Contains(stderr, "http.listen is empty") {
		t.Errorf("no listener: exit %d, %q", code, stderr)
	}
}

func TestHealthURL(t *testing.T) {
	for listen, want := range map[string]string{
		"127.0.0.1:9464": "http://127.0.0.1:9464/healthz",
		"0.0.0.0:9464":   "http://127.0.0.1:9464/healthz",
		":9464":          "http://127.0.0.1:9464/healthz",
		"[::]:9464":      "http://[::1]:9464/healthz",
		"agent:80":       "http://agent:80/healthz",
	} {
		if got, err := healthURL(listen); err != nil || got != want {
			t.Errorf("healthURL(%q) = %q, %v; want %q", listen, got, err, want)
		}
	}
}
