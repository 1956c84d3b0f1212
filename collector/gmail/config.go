package gmail

import (
	"errors"
	"fmt"
	"net/url"
	"time"
)

// DefaultEndpoint is Google's Gmail API endpoint.
const DefaultEndpoint = "https://gmail.googleapis.com/"

// Config is the `sources.gmail` section.
type Config struct {
	Enabled bool `koanf:"enabled"`
	// Auth is oauth (installed app + token file), service_account (Workspace
	// domain-wide delegation) or none (only with a non-default endpoint).
	Auth string `koanf:"auth"`
	// CredentialsFile is the OAuth client JSON (oauth) or the key JSON (service_account).
	CredentialsFile string `koanf:"credentials_file"`
	// TokenFile stores the OAuth token (mode 0600).
	TokenFile string `koanf:"token_file"`
	// Subject is the mailbox impersonated by a service account.
	Subject string `koanf:"subject"`
	// User is the mailbox, "me" for the authorised user.
	User     string `koanf:"user"`
	Endpoint string `koanf:"endpoint"`

	// Query and Label select report mail.
	Query string `koanf:"query"`
	Label string `koanf:"label"`
	// ProcessedLabel and FailedLabel are added after delivery; "" disables labelling.
	ProcessedLabel string `koanf:"processed_label"`
	FailedLabel    string `koanf:"failed_label"`
	// MarkRead and Archive are off by default.
	MarkRead bool `koanf:"mark_read"`
	Archive  bool `koanf:"archive"`

	PollInterval      time.Duration `koanf:"poll_interval"`
	Concurrency       int           `koanf:"concurrency"`
	RequestsPerMinute int           `koanf:"requests_per_minute"`
	// StateFile keeps the history cursor.
	StateFile string `koanf:"state_file"`

	// MaxRawBytes: messages whose size estimate is larger are fetched as
	// format=full with attachments.get instead of one format=raw response.
	MaxRawBytes int64 `koanf:"max_raw_bytes"`
	// AckFlushInterval is how long label changes wait to be grouped into one
	// batchModify call (they are also flushed at the end of every pass).
	AckFlushInterval time.Duration `koanf:"ack_flush_interval"`
	// Retry governs retries of 429, 403 rate-limit, 5xx and dropped connections.
	Retry RetryConfig `koanf:"retry"`
}

// RetryConfig is the `sources.gmail.retry` section.
type RetryConfig struct {
	InitialInterval time.Duration `koanf:"initial_interval"`
	MaxInterval     time.Duration `koanf:"max_interval"`
	// MaxAttempts counts every try of one request, the first included.
	MaxAttempts int `koanf:"max_attempts"`
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{
		Auth:              "oauth",
		TokenFile:         "gmail-token.json",
		User:              "me",
		Endpoint:          DefaultEndpoint,
		Query:             DefaultQuery,
		ProcessedLabel:    "dmarc/processed",
		FailedLabel:       "dmarc/failed",
		PollInterval:      5 * time.Minute,
		Concurrency:       4,
		RequestsPerMinute: 1200,
		StateFile:         "dmarc-agent-gmail.json",
		MaxRawBytes:       16 << 20,
		AckFlushInterval:  2 * time.Second,
		Retry:             RetryConfig{InitialInterval: time.Second, MaxInterval: time.Minute, MaxAttempts: 8},
	}
}

// DefaultQuery matches aggregate, failure and TLS report mail.
const DefaultQuery = `(subject:"Report domain" OR subject:"Report Domain" OR subject:"DMARC" OR subject:"TLS report" OR subject:"TLS-RPT" OR filename:xml.gz OR filename:zip OR filename:xml OR filename:json.gz OR filename:tlsrpt)`

// Validate checks the values.
func (c Config) Validate() error {
	if !c.Enabled {
		return nil
	}
	var errs []error
	switch c.Auth {
	case "oauth", "service_account":
		if c.CredentialsFile == "" {
			errs = append(errs, fmt.Errorf("sources.gmail.credentials_file: required with auth %q", c.Auth))
		}
	case "none":
		if c.Endpoint == DefaultEndpoint {
			errs = append(errs, errors.New("sources.gmail.auth: none is allowed only with a non-default endpoint"))
		}
	default:
		errs = append(errs, fmt.Errorf("sources.gmail.auth: must be oauth, service_account or none, got %q", c.Auth))
	}
	if c.Auth == "service_account" && c.Subject == "" {
		errs = append(errs, errors.New("sources.gmail.subject: required with auth service_account"))
	}
	if c.Query == "" && c.Label == "" {
		errs = append(errs, errors.New("sources.gmail: set query or label (or both)"))
	}
	if c.PollInterval <= 0 {
		errs = append(errs, fmt.Errorf("sources.gmail.poll_interval: must be positive, got %s", c.PollInterval))
	}
	if c.Concurrency <= 0 {
		errs = append(errs, fmt.Errorf("sources.gmail.concurrency: must be positive, got %d", c.Concurrency))
	}
	if c.RequestsPerMinute <= 0 {
		errs = append(errs, fmt.Errorf("sources.gmail.requests_per_minute: must be positive, got %d", c.RequestsPerMinute))
	}
	if c.StateFile == "" {
		errs = append(errs, errors.New("sources.gmail.state_file: required"))
	}
	if c.User == "" {
		errs = append(errs, errors.New("sources.gmail.user: required (\"me\" for the authorised mailbox)"))
	}
	if c.MaxRawBytes <= 0 {
		errs = append(errs, fmt.Errorf("sources.gmail.max_raw_bytes: must be positive, got %d", c.MaxRawBytes))
	}
	if c.AckFlushInterval <= 0 {
		errs = append(errs, fmt.Errorf("sources.gmail.ack_flush_interval: must be positive, got %s", c.AckFlushInterval))
	}
	if c.Retry.InitialInterval <= 0 || c.Retry.MaxInterval < c.Retry.InitialInterval {
		errs = append(errs, fmt.Errorf("sources.gmail.retry: need 0 < initial_interval <= max_interval, got %s and %s", c.Retry.InitialInterval, c.Retry.MaxInterval))
	}
	if c.Retry.MaxAttempts <= 0 {
		errs = append(errs, fmt.Errorf("sources.gmail.retry.max_attempts: must be positive, got %d", c.Retry.MaxAttempts))
	}
	if u, err := url.Parse(c.Endpoint); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		errs = append(errs, fmt.Errorf("sources.gmail.endpoint: must be an http(s) URL, got %q", c.Endpoint))
	}
	return errors.Join(errs...)
}

// Labelling reports whether the source changes mail (labels, read state,
// inbox), which needs the gmail.modify scope.
func (c Config) Labelling() bool {
	return c.ProcessedLabel != "" || c.FailedLabel != "" || c.MarkRead || c.Archive
}

// Scope is the narrowest OAuth scope the configuration needs.
func (c Config) Scope() string {
	if c.Labelling() {
		return ScopeModify
	}
	return ScopeReadonly
}

// OAuth scopes.
const (
	ScopeModify   = "https://www.googleapis.com/auth/gmail.modify"
	ScopeReadonly = "https://www.googleapis.com/auth/gmail.readonly"
)
