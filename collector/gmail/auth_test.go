package gmail_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dmarc-agent/dmarc-agent/collector/gmail"
	"github.com/dmarc-agent/dmarc-agent/collector/gmail/gmailtest"
)

// oauthSetup writes the fake's OAuth client file and returns a config
// using it.
func oauthSetup(t *testing.T, f *gmailtest.Server) gmail.Config {
	t.Helper()
	cfg := testConfig(t, f)
	cfg.Auth = "oauth"
	cfg.CredentialsFile = filepath.Join(t.TempDir(), "client.json")
	if err := os.WriteFile(cfg.CredentialsFile, f.OAuthClientJSON(), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// authorize runs gmail.Authorize, answering like a user: it waits for the
// consent URL, lets answer turn it into what is pasted, and returns the
// printed output and the error.
func authorize(t *testing.T, f *gmailtest.Server, cfg gmail.Config, listen string, answer func(authURL string) string) (string, error) {
	t.Helper()
	inR, inW := io.Pipe()
	out := &syncBuffer{wrote: make(chan struct{}, 1)}
	done := make(chan error, 1)
	go func() {
		done <- gmail.Authorize(context.Background(), cfg, gmail.AuthOptions{In: inR, Out: out, Listen: listen})
	}()
	defer inW.Close()
	var authURL string
	timeout := time.After(10 * time.Second)
wait:
	for {
		for _, line := range strings.Split(out.String(), "\n") {
			if strings.HasPrefix(line, f.URL+"/o/oauth2/auth?") {
				authURL = line
			}
		}
		if authURL != "" {
			break
		}
		select {
		case <-out.wrote: // more output: look again
		case err := <-done:
			t.Fatalf("Authorize returned before printing a consent URL:\n%s (err %v)", out, err)
		case <-timeout:
			break wait
		}
	}
	if authURL == "" {
		inW.Close()
		t.Fatalf("no consent URL printed:\n%s (err %v)", out, <-done)
	}
	if paste := answer(authURL); paste != "" {
		io.WriteString(inW, "\n"+paste+"\n")
	}
	select {
	case err := <-done:
		return out.String(), err
	case <-time.After(20 * time.Second):
		t.Fatal("Authorize did not return")
		return "", nil
	}
}

func approve(t *testing.T, f *gmailtest.Server, authURL string) string {
	t.Helper()
	redirect, err := f.Approve(authURL)
	if err != nil {
		t.Fatalf("the fake refused the consent URL: %v", err)
	}
	return redirect
}

func tokenFileOf(t *testing.T, path string) map[string]any {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("token file mode %o, want 600", fi.Mode().Perm())
	}
	var m map[string]any
	b, _ := os.ReadFile(path)
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// The whole OAuth life: consent by pasted redirect URL (PKCE checked by the
// fake), a sync through faults with an expired access token that is
// refreshed and saved back 0600, and not one secret in the logs or output.
func TestOAuthFlowRefreshAndNoSecretsLogged(t *testing.T) {
	f := gmailtest.New(box, other)
	defer f.Close()
	f.RequireAuth = true
	cfg := oauthSetup(t, f)
	printed, err := authorize(t, f, cfg, "", func(u string) string { return approve(t, f, u) })
	if err != nil {
		t.Fatalf("Authorize: %v", err)
	}
	tok := tokenFileOf(t, cfg.TokenFile)
	if tok["refresh_token"] == "" || tok["scope"] != gmail.ScopeModify {
		t.Fatalf("token file lacks refresh token or scope: keys %v scope %v", len(tok), tok["scope"])
	}
	firstAccess := tok["access_token"].(string)

	// Age the access token so the first call must refresh it.
	tok["expiry"] = time.Now().Add(-time.Hour).Format(time.RFC3339)
	b, _ := json.Marshal(tok)
	if err := os.WriteFile(cfg.TokenFile, b, 0o600); err != nil {
		t.Fatal(err)
	}
	fx := fill(f, 8, "a", day)
	f.Inject(
		gmailtest.Fault{RPC: "users.messages.get", Kind: gmailtest.TooManyRequests, Skip: 2},
		gmailtest.Fault{RPC: "users.messages.get", Kind: gmailtest.DropMidBody, Skip: 4},
		gmailtest.Fault{RPC: "users.messages.batchModify", Kind: gmailtest.ServerError},
	)
	logs := &syncBuffer{}
	c := newConsumer()
	if err := c.run(t, newSource(t, cfg, gmail.Options{}, testLogger(logs))); err != nil {
		t.Fatalf("run: %v", err)
	}
	c.exactlyOnce(t, fx.reports)
	checkLabels(t, f, fx)

	tok = tokenFileOf(t, cfg.TokenFile)
	refreshed, _ := tok["access_token"].(string)
	if refreshed == firstAccess || !slices.Contains(f.AccessTokens(), refreshed) {
		t.Errorf("refreshed access token not saved back to the token file")
	}
	if !strings.Contains(logs.String(), "gmail request retried") {
		t.Errorf("the faults left no debug trace; is the log captured?\n%s", logs)
	}
	secrets := f.Secrets()
	if len(secrets) < 5 {
		t.Fatalf("the fake recorded only %d secrets", len(secrets))
	}
	for _, s := range secrets {
		if strings.Contains(logs.String(), s) {
			t.Errorf("a secret (%.8s…) appears in the logs", s)
		}
		if strings.Contains(printed, s) {
			t.Errorf("a secret (%.8s…) appears in the auth command's output", s)
		}
	}
}

// What may be pasted: the redirect URL, the bare code; a foreign state or a
// refusal fails clearly.
func TestAuthorizePaste(t *testing.T) {
	for _, tc := range []struct {
		name    string
		paste   func(redirect string) string
		wantErr string
	}{
		{"redirect URL", func(r string) string { return r }, ""},
		{"code only", func(r string) string { u, _ := url.Parse(r); return u.Query().Get("code") }, ""},
		{"foreign state", func(r string) string { return strings.Replace(r, "state=", "state=x", 1) }, "state does not match"},
		{"refused", func(string) string { return "http://localhost/?error=access_denied&state=whatever" }, "consent refused: access_denied"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := gmailtest.New(box)
			defer f.Close()
			cfg := oauthSetup(t, f)
			_, err := authorize(t, f, cfg, "", func(u string) string { return tc.paste(approve(t, f, u)) })
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Authorize: %v", err)
				}
				tokenFileOf(t, cfg.TokenFile)
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
			if _, serr := os.Stat(cfg.TokenFile); serr == nil {
				t.Error("a token file was written after a failed consent")
			}
		})
	}
}

// With --listen, the browser's redirect reaches a loopback listener.
func TestAuthorizeLoopbackListener(t *testing.T) {
	f := gmailtest.New(box)
	defer f.Close()
	cfg := oauthSetup(t, f)
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	printed, err := authorize(t, f, cfg, "127.0.0.1:0", func(u string) string {
		go func() { // the browser: follows the consent redirect to the listener
			resp, err := (&http.Client{Transport: tr}).Get(u)
			if err == nil {
				resp.Body.Close()
			}
		}()
		return ""
	})
	if err != nil {
		t.Fatalf("Authorize: %v", err)
	}
	if !strings.Contains(printed, "Waiting for the redirect on http://127.0.0.1:") {
		t.Errorf("output does not name the listener:\n%s", printed)
	}
	tokenFileOf(t, cfg.TokenFile)
	if err := (gmail.Authorize(context.Background(), cfg, gmail.AuthOptions{Out: io.Discard, Listen: "0.0.0.0:0"})); err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("a non-loopback listener was accepted: %v", err)
	}
}

// A Workspace service account with domain-wide delegation reads the
// subject's mailbox only; without labelling it asks for readonly scope.
func TestServiceAccount(t *testing.T) {
	for _, readonly := range []bool{false, true} {
		t.Run(map[bool]string{false: "modify", true: "readonly"}[readonly], func(t *testing.T) {
			f := gmailtest.New(box, other)
			defer f.Close()
			f.RequireAuth = true
			cfg := testConfig(t, f)
			cfg.Auth = "service_account"
			cfg.Subject = box
			cfg.CredentialsFile = filepath.Join(t.TempDir(), "sa.json")
			if err := os.WriteFile(cfg.CredentialsFile, f.ServiceAccountJSON(), 0o600); err != nil {
				t.Fatal(err)
			}
			if readonly {
				cfg.ProcessedLabel, cfg.FailedLabel = "", ""
			}
			fx := fill(f, 4, "a", day)
			logs := &syncBuffer{}
			c := newConsumer()
			if err := c.run(t, newSource(t, cfg, gmail.Options{}, testLogger(logs))); err != nil {
				t.Fatalf("run: %v", err)
			}
			c.exactlyOnce(t, fx.reports)
			if got := f.Touched(); !slices.Equal(got, []string{box}) {
				t.Errorf("touched %v", got)
			}
			if readonly {
				if n := f.Calls("users.messages.batchModify"); n != 0 {
					t.Errorf("readonly made %d batchModify calls", n)
				}
			} else {
				checkLabels(t, f, fx)
			}
			for _, s := range f.Secrets() {
				if strings.Contains(logs.String(), s) {
					t.Errorf("a secret (%.8s…) appears in the logs", s)
				}
			}
		})
	}
}

// Token problems are found before the first call, with the fix named.
func TestTokenProblems(t *testing.T) {
	f := gmailtest.New(box)
	defer f.Close()
	cfg := oauthSetup(t, f)
	_, err := gmail.New(context.Background(), cfg, gmail.Options{}, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "dmarc-agent gmail auth") {
		t.Errorf("missing token: %v", err)
	}
	narrow := `{"access_token":"a","refresh_token":"r","expiry":"2020-01-01T00:00:00Z","scope":"` + gmail.ScopeReadonly + `"}`
	if err := os.WriteFile(cfg.TokenFile, []byte(narrow), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = gmail.New(context.Background(), cfg, gmail.Options{}, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "gmail.modify") {
		t.Errorf("readonly token with labelling on: %v", err)
	}
	cfg.ProcessedLabel, cfg.FailedLabel = "", ""
	if _, err := gmail.New(context.Background(), cfg, gmail.Options{}, nil, nil); err != nil {
		t.Errorf("readonly token, labelling off: %v", err)
	}
}
