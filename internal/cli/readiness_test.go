package cli

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dmarc-agent/dmarc-agent/collector"
	"github.com/dmarc-agent/dmarc-agent/collector/dir"
	"github.com/dmarc-agent/dmarc-agent/internal/config"
	"github.com/dmarc-agent/dmarc-agent/internal/health"
	"github.com/dmarc-agent/dmarc-agent/output/file"
	"github.com/dmarc-agent/dmarc-agent/server"
)

// faultySource is a source with an internal fault to report.
type faultySource struct {
	collector.Source
	f *health.Fault
}

func (s faultySource) Fault() error { return s.f.Err() }

// /readyz answers 503 with the reason while a part of the agent has an
// internal fault (here the dir state), and 200 once it is gone.
func TestReadinessShowsInternalFaults(t *testing.T) {
	cfg := config.Default()
	cfg.Enrich.DNS.Offline = true
	cfg.Output.File.Dir = t.TempDir()
	st, err := newStack(context.Background(), cfg, slog.New(slog.DiscardHandler), nil, file.Append, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close(context.Background())
	dcfg := dir.DefaultConfig()
	dcfg.Path = t.TempDir()
	dcfg.StateFile = filepath.Join(t.TempDir(), "s.db")
	d, err := dir.New(dcfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	fault := health.NewFault("dir_state", nil)
	srv := server.New(server.Config{}, prometheus.NewRegistry(), readiness(st, []collector.Source{faultySource{d, fault}}), nil)
	get := func() (int, string) {
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
		return rec.Code, rec.Body.String()
	}
	if code, body := get(); code != http.StatusOK || body != "ready\n" {
		t.Fatalf("healthy agent: %d %q", code, body)
	}
	fault.Set(&os.PathError{Op: "write", Path: "s.db", Err: syscall.ENOSPC})
	code, body := get()
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "dir_state failing since ") || !strings.Contains(body, "write s.db: no space left on device") {
		t.Errorf("with a full state disk: %d %q", code, body)
	}
	fault.Clear()
	if code, body := get(); code != http.StatusOK {
		t.Errorf("after the fault cleared: %d %q", code, body)
	}
}
