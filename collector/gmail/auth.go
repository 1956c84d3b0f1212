package gmail

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"
)

// newHTTPClient builds the client every Gmail call goes through: retries and
// the request budget outermost, then authentication, then base.
func newHTTPClient(ctx context.Context, cfg Config, base http.RoundTripper, m *metrics, log *slog.Logger) (*http.Client, error) {
	authed, err := authTransport(ctx, cfg, base, log)
	if err != nil {
		return nil, err
	}
	return &http.Client{Transport: &retryTransport{
		next:          authed,
		budget:        newLimiter(cfg.RequestsPerMinute),
		policy:        cfg.Retry,
		log:           log,
		metrics:       m,
		maxRetryAfter: 10 * time.Minute,
	}}, nil
}

// authTransport wraps base with the configured authentication.
func authTransport(ctx context.Context, cfg Config, base http.RoundTripper, log *slog.Logger) (http.RoundTripper, error) {
	scope := cfg.Scope()
	// Token requests outlive the ctx of New; they use base directly.
	tokenCtx := context.WithValue(context.WithoutCancel(ctx), oauth2.HTTPClient, &http.Client{Transport: base, Timeout: time.Minute})
	switch cfg.Auth {
	case "none":
		return base, nil
	case "oauth":
		oc, err := oauthConfig(cfg, scope)
		if err != nil {
			return nil, err
		}
		tf, err := readToken(cfg.TokenFile)
		if err != nil {
			return nil, err
		}
		if !tf.covers(scope) {
			return nil, fmt.Errorf("gmail token %s was granted %q but the configuration needs %s (labelling is on); run `dmarc-agent gmail auth` again", cfg.TokenFile, tf.Scope, scope)
		}
		tok := tf.Token
		src := &savingSource{
			src:   oauth2.ReuseTokenSource(&tok, oc.TokenSource(tokenCtx, &tok)),
			path:  cfg.TokenFile,
			scope: tf.Scope,
			last:  tok.AccessToken,
			onErr: func(err error) { log.Warn("saving refreshed gmail token failed", "err", err) },
		}
		return &oauth2.Transport{Source: src, Base: base}, nil
	case "service_account":
		key, err := os.ReadFile(cfg.CredentialsFile)
		if err != nil {
			return nil, fmt.Errorf("reading gmail service-account key: %w", err)
		}
		jc, err := google.JWTConfigFromJSON(key, scope)
		if err != nil {
			return nil, fmt.Errorf("reading gmail service-account key %s: %w", cfg.CredentialsFile, err)
		}
		jc.Subject = cfg.Subject
		return &oauth2.Transport{Source: jc.TokenSource(tokenCtx), Base: base}, nil
	}
	return nil, fmt.Errorf("sources.gmail.auth: unknown %q", cfg.Auth)
}

// oauthConfig reads the OAuth client file (a Desktop app client).
func oauthConfig(cfg Config, scope string) (*oauth2.Config, error) {
	b, err := os.ReadFile(cfg.CredentialsFile)
	if err != nil {
		return nil, fmt.Errorf("reading gmail OAuth client: %w", err)
	}
	oc, err := google.ConfigFromJSON(b, scope)
	if err != nil {
		return nil, fmt.Errorf("reading gmail OAuth client %s: %w", cfg.CredentialsFile, err)
	}
	return oc, nil
}
