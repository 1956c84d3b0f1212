package opensearch

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/dmarc-agent/dmarc-agent/internal/secret"
)

func TestAPIKeySentOnEveryRequest(t *testing.T) {
	var mu sync.Mutex
	var auth []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		auth = append(auth, r.Header.Get("Authorization"))
		mu.Unlock()
		w.Header().Set("X-Elastic-Product", "Elasticsearch")
		w.Write([]byte(`{"version":{"number":"9.2.0"}}`))
	}))
	defer srv.Close()
	keyFile := filepath.Join(t.TempDir(), "key")
	os.WriteFile(keyFile, []byte("VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==\n"), 0o600)
	for name, cfg := range map[string]Config{
		"api_key": func() Config {
			c := testConfig(srv.URL)
			c.APIKey = "VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw=="
			return c
		}(),
		"api_key_file": func() Config { c := testConfig(srv.URL); c.APIKeyFile = keyFile; return c }(),
	} {
		t.Run(name, func(t *testing.T) {
			mu.Lock()
			auth = nil
			mu.Unlock()
			o := newTestOutput(t, cfg, nil)
			if err := o.Ready(t.Context()); err != nil {
				t.Fatal(err)
			}
			if err := o.DeleteIndex(t.Context(), "dmarc-aggregate-2020.01"); err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(auth) < 2 {
				t.Fatalf("%d requests", len(auth))
			}
			for _, a := range auth {
				if a != "ApiKey VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==" {
					t.Errorf("Authorization = %q", a)
				}
			}
		})
	}
}

func TestAPIKeyConfigErrors(t *testing.T) {
	c := testConfig("http://127.0.0.1:1")
	c.APIKey, c.APIKeyFile = secret.String("k"), "f"
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "set api_key or api_key_file, not both") {
		t.Errorf("both: %v", err)
	}
	c = testConfig("http://127.0.0.1:1")
	c.APIKey, c.Username = secret.String("k"), "elastic"
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "an API key replaces username/password") || strings.Contains(err.Error(), "k\"") {
		t.Errorf("with username: %v", err)
	}
	c = testConfig("http://127.0.0.1:1")
	c.APIKeyFile = filepath.Join(t.TempDir(), "missing")
	if _, err := New(t.Context(), c, "", nil, nil); err == nil || !strings.Contains(err.Error(), "reading output.opensearch.api_key_file") {
		t.Errorf("missing file: %v", err)
	}
}
