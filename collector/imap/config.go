package imap

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/dmarc-agent/dmarc-agent/internal/secret"
)

// Config is the `sources.imap` section.
type Config struct {
	Enabled bool   `koanf:"enabled"`
	Host    string `koanf:"host"`
	// Port 0 means 993 for implicit TLS and 143 otherwise.
	Port int `koanf:"port"`
	// TLS is implicit (TLS from the first byte), starttls, or plain. Plain
	// is refused unless the host is a loopback address.
	TLS string `koanf:"tls"`
	// CAFile adds PEM certificates to the system roots; verification is
	// always on.
	CAFile   string `koanf:"ca_file"`
	Username string `koanf:"username"`
	// Password, or PasswordFile (its first line), or the environment
	// variable DMARC_AGENT_SOURCES__IMAP__PASSWORD.
	Password     secret.String `koanf:"password"`
	PasswordFile string        `koanf:"password_file"`

	Mailbox string `koanf:"mailbox"`
	// Search narrows the selection; every field is optional.
	Search SearchConfig `koanf:"search"`

	// AfterDelivery is flag (add ProcessedFlag), move (to ProcessedFolder,
	// created if missing) or delete.
	AfterDelivery   string `koanf:"after_delivery"`
	ProcessedFlag   string `koanf:"processed_flag"`
	ProcessedFolder string `koanf:"processed_folder"`
	// FailedFolder (when set) receives mail that holds no valid report;
	// otherwise FailedFlag is added ("" leaves such mail as it is).
	FailedFolder string `koanf:"failed_folder"`
	FailedFlag   string `koanf:"failed_flag"`

	// PollInterval is the pass interval without IDLE, and the longest wait
	// between passes with it.
	PollInterval time.Duration `koanf:"poll_interval"`
	// IDLE is used when the server offers it; IdleRestart re-issues it (or,
	// when polling, sends a NOOP) before servers drop inactive clients
	// (RFC 9051: not before 30 minutes).
	IDLE        bool          `koanf:"idle"`
	IdleRestart time.Duration `koanf:"idle_restart"`
	// StateFile keeps UIDVALIDITY and the highest examined UID (written atomically).
	StateFile string `koanf:"state_file"`
	// FetchBatch is how many messages' metadata one UID FETCH reads; bodies
	// are always fetched one message at a time.
	FetchBatch int `koanf:"fetch_batch"`
	// MaxMemoryBytes: bigger messages are spooled to a temporary file.
	MaxMemoryBytes int64 `koanf:"max_memory_bytes"`
	// AckBatch and AckFlushInterval group flag/move/delete commands.
	AckBatch         int           `koanf:"ack_batch"`
	AckFlushInterval time.Duration `koanf:"ack_flush_interval"`
	// Retry governs reconnects after connection faults.
	Retry RetryConfig `koanf:"retry"`
}

// SearchConfig is `sources.imap.search`: IMAP SEARCH keys, all ANDed.
type SearchConfig struct {
	From    string `koanf:"from"`    // From header contains
	To      string `koanf:"to"`      // To header contains
	Subject string `koanf:"subject"` // Subject header contains
	Since   string `koanf:"since"`   // internal date on or after YYYY-MM-DD
}

// RetryConfig is the `sources.imap.retry` section.
type RetryConfig struct {
	InitialInterval time.Duration `koanf:"initial_interval"`
	MaxInterval     time.Duration `koanf:"max_interval"`
	// MaxAttempts bounds the tries of one pass in once mode (the first
	// included); a running agent retries until it stops.
	MaxAttempts int `koanf:"max_attempts"`
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{
		TLS:              "implicit",
		Mailbox:          "INBOX",
		AfterDelivery:    "flag",
		ProcessedFlag:    "$DmarcProcessed",
		ProcessedFolder:  "dmarc-processed",
		FailedFlag:       "$DmarcFailed",
		PollInterval:     5 * time.Minute,
		IDLE:             true,
		IdleRestart:      25 * time.Minute,
		StateFile:        "dmarc-agent-imap.json",
		FetchBatch:       50,
		MaxMemoryBytes:   16 << 20,
		AckBatch:         100,
		AckFlushInterval: 2 * time.Second,
		Retry:            RetryConfig{InitialInterval: time.Second, MaxInterval: time.Minute, MaxAttempts: 8},
	}
}

// Validate checks the values.
func (c Config) Validate() error {
	if !c.Enabled {
		return nil
	}
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf("sources.imap."+format, a...)) }
	if c.Host == "" {
		add("host: required")
	}
	if c.Port < 0 || c.Port > 65535 {
		add("port: must be 0 (the default of the TLS mode) to 65535, got %d", c.Port)
	}
	switch c.TLS {
	case "implicit", "starttls":
	case "plain":
		if !loopback(c.Host) {
			add("tls: plain sends the password in clear; allowed only for a loopback host, got %q", c.Host)
		}
	default:
		add("tls: must be implicit, starttls or plain, got %q", c.TLS)
	}
	if c.Username == "" {
		add("username: required")
	}
	if c.Password.IsSet() && c.PasswordFile != "" {
		add("password: set password or password_file, not both")
	}
	if !c.Password.IsSet() && c.PasswordFile == "" {
		add("password: required (password, password_file, or DMARC_AGENT_SOURCES__IMAP__PASSWORD)")
	}
	if c.Mailbox == "" {
		add("mailbox: required")
	}
	if c.Search.Since != "" {
		if _, err := time.Parse(time.DateOnly, c.Search.Since); err != nil {
			add("search.since: must be a date like 2026-01-31, got %q", c.Search.Since)
		}
	}
	switch c.AfterDelivery {
	case "flag":
		if !validFlag(c.ProcessedFlag) {
			add("processed_flag: must be a keyword (atom characters, no spaces), got %q", c.ProcessedFlag)
		}
	case "move":
		if c.ProcessedFolder == "" || c.ProcessedFolder == c.Mailbox {
			add("processed_folder: required with after_delivery: move, and not the mailbox itself, got %q", c.ProcessedFolder)
		}
	case "delete":
	default:
		add("after_delivery: must be flag, move or delete, got %q", c.AfterDelivery)
	}
	if c.FailedFolder != "" && c.FailedFolder == c.Mailbox {
		add("failed_folder: must not be the mailbox itself")
	}
	if c.FailedFlag != "" && !validFlag(c.FailedFlag) {
		add("failed_flag: must be a keyword (atom characters, no spaces), got %q", c.FailedFlag)
	}
	if c.PollInterval <= 0 {
		add("poll_interval: must be positive, got %s", c.PollInterval)
	}
	if c.IdleRestart <= 0 || c.IdleRestart > 29*time.Minute {
		add("idle_restart: must be positive and at most 29m (servers may drop idle clients after 30m), got %s", c.IdleRestart)
	}
	if c.StateFile == "" {
		add("state_file: required")
	}
	if c.FetchBatch <= 0 {
		add("fetch_batch: must be positive, got %d", c.FetchBatch)
	}
	if c.MaxMemoryBytes <= 0 {
		add("max_memory_bytes: must be positive, got %d", c.MaxMemoryBytes)
	}
	if c.AckBatch <= 0 {
		add("ack_batch: must be positive, got %d", c.AckBatch)
	}
	if c.AckFlushInterval <= 0 {
		add("ack_flush_interval: must be positive, got %s", c.AckFlushInterval)
	}
	if c.Retry.InitialInterval <= 0 || c.Retry.MaxInterval < c.Retry.InitialInterval {
		add("retry: need 0 < initial_interval <= max_interval, got %s and %s", c.Retry.InitialInterval, c.Retry.MaxInterval)
	}
	if c.Retry.MaxAttempts <= 0 {
		add("retry.max_attempts: must be positive, got %d", c.Retry.MaxAttempts)
	}
	return errors.Join(errs...)
}

// address is host:port, with the TLS mode's default port.
func (c Config) address() string {
	port := c.Port
	if port == 0 {
		port = 143
		if c.TLS == "implicit" {
			port = 993
		}
	}
	return net.JoinHostPort(c.Host, fmt.Sprint(port))
}

// password returns the configured password or the first line of the file.
func (c Config) password() (secret.String, error) {
	if c.PasswordFile == "" {
		return c.Password, nil
	}
	b, err := os.ReadFile(c.PasswordFile)
	if err != nil {
		return "", fmt.Errorf("reading sources.imap.password_file: %w", err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	line = strings.TrimRight(line, "\r")
	if line == "" {
		return "", fmt.Errorf("sources.imap.password_file %s: empty", c.PasswordFile)
	}
	return secret.String(line), nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// validFlag accepts a keyword (RFC 9051 flag-keyword: atom characters).
func validFlag(f string) bool {
	if f == "" || strings.HasPrefix(f, "\\") {
		return false
	}
	for _, r := range f {
		if r <= ' ' || r >= 0x7f || strings.ContainsRune(`(){%*"\]`, r) {
			return false
		}
	}
	return true
}
