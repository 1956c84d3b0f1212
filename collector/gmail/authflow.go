package gmail

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// AuthOptions drive the interactive OAuth consent of `dmarc-agent gmail auth`.
type AuthOptions struct {
	// In receives the pasted authorisation code or the whole redirect URL.
	In io.Reader
	// Out receives the instructions and the consent URL. Nothing secret is
	// written to it.
	Out io.Writer
	// Listen, when set (e.g. "127.0.0.1:0"), also runs a loopback listener
	// that catches the browser's redirect; it must be a loopback address.
	Listen string
	// HTTPClient is used for the token exchange; nil means a default client.
	HTTPClient *http.Client
}

// Authorize runs the installed-app OAuth flow with PKCE and offline access
// and writes the token file (mode 0600). It works without a browser on the
// machine: it prints the consent URL and accepts either the code or the
// full redirect URL pasted on In; with Listen it also takes the redirect on a
// loopback listener. The state parameter is checked wherever it is present.
func Authorize(ctx context.Context, cfg Config, o AuthOptions) error {
	if cfg.Auth != "oauth" {
		return fmt.Errorf("gmail auth: sources.gmail.auth is %q; the consent flow is for auth: oauth (a service account needs no token)", cfg.Auth)
	}
	if cfg.CredentialsFile == "" {
		return errors.New("gmail auth: set sources.gmail.credentials_file to the OAuth client JSON downloaded from Google Cloud")
	}
	scope := cfg.Scope()
	oc, err := oauthConfig(cfg, scope)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	results := make(chan authResult, 2)
	state := randomString()
	if o.Listen != "" {
		addr, stop, err := listenForRedirect(o.Listen, state, results)
		if err != nil {
			return err
		}
		defer stop()
		oc.RedirectURL = "http://" + addr + "/"
	} else if oc.RedirectURL == "" || oc.RedirectURL == "urn:ietf:wg:oauth:2.0:oob" {
		oc.RedirectURL = "http://127.0.0.1/"
	}
	verifier := oauth2.GenerateVerifier()
	authURL := oc.AuthCodeURL(state, oauth2.AccessTypeOffline, oauth2.ApprovalForce, oauth2.S256ChallengeOption(verifier))

	fmt.Fprintf(o.Out, "Open this URL in a browser (on any machine), sign in as the report mailbox and allow access (%s):\n\n%s\n\n", scope, authURL)
	if o.Listen != "" {
		fmt.Fprintf(o.Out, "Waiting for the redirect on %s. ", oc.RedirectURL)
	}
	fmt.Fprintf(o.Out, "If the browser ends on a page that does not load, copy the whole address from its address bar (or just the code= value) and paste it here:\n")

	if o.In != nil {
		go readPasted(ctx, o.In, state, o.Listen != "", results)
	}
	var code string
	select {
	case <-ctx.Done():
		return ctx.Err()
	case r := <-results:
		if r.err != nil {
			return fmt.Errorf("gmail auth: %w", r.err)
		}
		code = r.code
	}

	hc := o.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: time.Minute}
	}
	tok, err := oc.Exchange(context.WithValue(ctx, oauth2.HTTPClient, hc), code, oauth2.VerifierOption(verifier))
	if err != nil {
		return fmt.Errorf("gmail auth: exchanging the authorisation code: %w", err)
	}
	if tok.RefreshToken == "" {
		return errors.New("gmail auth: Google returned no refresh token; remove the app's access at https://myaccount.google.com/permissions and run again")
	}
	granted, _ := tok.Extra("scope").(string)
	if granted == "" {
		granted = scope
	}
	if err := writeToken(cfg.TokenFile, tokenFile{Token: *tok, Scope: granted}); err != nil {
		return fmt.Errorf("gmail auth: %w", err)
	}
	fmt.Fprintf(o.Out, "Authorised. Token saved to %s (mode 0600).\n", cfg.TokenFile)
	return nil
}

type authResult struct {
	code string
	err  error
}

// readPasted reads lines from in until one holds a code or a redirect URL.
func readPasted(ctx context.Context, in io.Reader, state string, listening bool, results chan<- authResult) {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		code, err := parsePasted(line, state)
		select {
		case results <- authResult{code: code, err: err}:
		case <-ctx.Done():
		}
		return
	}
	if listening {
		return // end of input: the redirect may still reach the listener
	}
	select {
	case results <- authResult{err: errors.New("no authorisation code on standard input")}:
	case <-ctx.Done():
	}
}

// parsePasted takes a bare code or a redirect URL (whose state must match).
func parsePasted(s, state string) (string, error) {
	if !strings.Contains(s, "code=") && !strings.Contains(s, "error=") {
		if strings.ContainsAny(s, " \t?&") {
			return "", errors.New("the pasted text is neither a code nor a redirect URL")
		}
		return s, nil
	}
	q := s
	if u, err := url.Parse(s); err == nil && u.RawQuery != "" {
		q = u.RawQuery
	} else if i := strings.IndexByte(s, '?'); i >= 0 {
		q = s[i+1:]
	}
	v, err := url.ParseQuery(q)
	if err != nil {
		return "", errors.New("the pasted redirect URL cannot be parsed")
	}
	return codeFromQuery(v, state)
}

// codeFromQuery checks the state and returns the code of a redirect.
func codeFromQuery(v url.Values, state string) (string, error) {
	if e := v.Get("error"); e != "" {
		return "", fmt.Errorf("consent refused: %s", e)
	}
	if subtle.ConstantTimeCompare([]byte(v.Get("state")), []byte(state)) != 1 {
		return "", errors.New("the redirect's state does not match this request (an old or foreign URL?); run again")
	}
	code := v.Get("code")
	if code == "" {
		return "", errors.New("the redirect holds no code")
	}
	return code, nil
}

// listenForRedirect serves the loopback redirect URI.
func listenForRedirect(addr, state string, results chan<- authResult) (string, func(), error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return "", nil, fmt.Errorf("gmail auth: --listen %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return "", nil, fmt.Errorf("gmail auth: --listen %q: must be a loopback address such as 127.0.0.1:0", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("gmail auth: listening on %s: %w", addr, err)
	}
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("code") == "" && q.Get("error") == "" {
			http.NotFound(w, r)
			return
		}
		code, err := codeFromQuery(q, state)
		if err != nil {
			http.Error(w, "dmarc-agent: "+err.Error(), http.StatusBadRequest)
			if q.Get("error") == "" {
				return // a stray or forged request: keep waiting for the real one
			}
		} else {
			io.WriteString(w, "dmarc-agent is authorised. You can close this page.\n")
		}
		select {
		case results <- authResult{code: code, err: err}:
		default:
		}
	})}
	done := make(chan struct{})
	go func() { defer close(done); srv.Serve(ln) }()
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		<-done
	}
	return ln.Addr().String(), stop, nil
}

func randomString() string {
	b := make([]byte, 24)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
