package opensearch

import (
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dmarc-agent/dmarc-agent/internal/secret"
)

func TestBasicAuthFromPasswordFile(t *testing.T) {
	var user, pass string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, _ = r.BasicAuth()
		w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	pf := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(pf, []byte("s3cret\n"), 0o600)
	cfg := testConfig(srv.URL)
	cfg.Username, cfg.PasswordFile = "dmarc", pf
	o := newTestOutput(t, cfg, nil)
	if err := o.Ready(t.Context()); err != nil {
		t.Fatal(err)
	}
	if user != "dmarc" || pass != "s3cret" {
		t.Errorf("basic auth %q/%q", user, pass)
	}
}

func TestTLSVerificationOnByDefault(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{}`)) }))
	defer srv.Close()

	o := newTestOutput(t, testConfig(srv.URL), nil)
	if err := o.Ready(t.Context()); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("Ready against an unknown CA: %v, want a certificate error", err)
	}

	ca := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600)
	cfg := testConfig(srv.URL)
	cfg.TLS.CAFile = ca
	o2 := newTestOutput(t, cfg, nil)
	if err := o2.Ready(t.Context()); err != nil {
		t.Fatalf("Ready with ca_file: %v", err)
	}
}

func TestNewRejectsBadTLSAndSecretsStayHidden(t *testing.T) {
	cfg := testConfig("https://127.0.0.1:1")
	cfg.TLS.CAFile = filepath.Join(t.TempDir(), "missing.pem")
	cfg.Password = secret.String("hunter2")
	_, err := New(t.Context(), cfg, "", nil, nil)
	if err == nil || !strings.Contains(err.Error(), "ca_file") {
		t.Fatalf("err = %v, want a ca_file error", err)
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Error("error shows the password")
	}
	cfg = testConfig("https://127.0.0.1:1")
	cfg.TLS.CertFile = "x.pem"
	if _, err := New(t.Context(), cfg, "", nil, nil); err == nil || !strings.Contains(err.Error(), "go together") {
		t.Fatalf("cert without key: %v", err)
	}
	if _, err := New(t.Context(), DefaultConfig(), "", nil, nil); err == nil {
		t.Fatal("New without URLs: no error")
	}
}

func TestSigV4SignsRequests(t *testing.T) {
	var auth, date string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth, date = r.Header.Get("Authorization"), r.Header.Get("X-Amz-Date")
		w.Write([]byte(`{"version":{"distribution":"opensearch","number":"2.19.0"}}`))
	}))
	defer srv.Close()
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	cfg := testConfig(srv.URL)
	cfg.AWS = AWSConfig{SigV4: true, Region: "eu-west-1", Service: "es"}
	o := newTestOutput(t, cfg, nil)
	if err := o.Ready(t.Context()); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/") || !strings.Contains(auth, "/eu-west-1/es/aws4_request") || date == "" {
		t.Errorf("Authorization = %q, X-Amz-Date = %q", auth, date)
	}
}

func TestSeveralURLsOneDown(t *testing.T) {
	f := newFake(t)
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	cfg := testConfig(deadURL)
	cfg.URLs = append(cfg.URLs, f.srv.URL)
	o := newTestOutput(t, cfg, nil)
	for range 3 {
		res, err := o.Write(t.Context(), seq(docs("dmarc-aggregate-2026.11", 5)))
		if err != nil || res.Indexed+res.Duplicates != 5 {
			t.Fatalf("Write = %+v, %v", res, err)
		}
	}
}
