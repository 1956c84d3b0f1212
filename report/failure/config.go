package failure

import (
	"github.com/dmarc-agent/dmarc-agent/internal/secret"
)

// Config is the `reports.failure` section: what personal data of failure
// reports is stored. The defaults store the least.
type Config struct {
	// StoreBody keeps the original message body and the DKIM canonicalized
	// header and body, which copy it (off: headers only).
	StoreBody bool `koanf:"store_body"`
	// StoreRecipients keeps recipient addresses in clear (off: keyed hash).
	StoreRecipients bool `koanf:"store_recipients"`
	// HashKey keys the recipient hash (HMAC-SHA-256). Empty: a fixed
	// project-wide key, which hides addresses only from casual readers.
	HashKey secret.String `koanf:"hash_key"`
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config { return Config{} }

// Validate checks the values.
func (c Config) Validate() error { return nil }
