package opensearch

import (
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/dmarc-agent/dmarc-agent/internal/secret"
)

// Config is the `output.opensearch` section. The output is enabled when URLs is
// not empty.
type Config struct {
	URLs         []string      `koanf:"urls"`
	Username     string        `koanf:"username"`
	Password     secret.String `koanf:"password"`
	PasswordFile string        `koanf:"password_file"`
	// APIKey is an Elasticsearch API key (the base64 "encoded" value),
	// sent as "Authorization: ApiKey <key>"; instead of username/password.
	APIKey     secret.String `koanf:"api_key"`
	APIKeyFile string        `koanf:"api_key_file"`
	TLS        TLSConfig     `koanf:"tls"`
	AWS        AWSConfig     `koanf:"aws"`

	// BatchDocs and BatchBytes bound one bulk request; FlushInterval bounds
	// how long a partial batch waits.
	BatchDocs     int           `koanf:"batch_docs"`
	BatchBytes    int           `koanf:"batch_bytes"`
	FlushInterval time.Duration `koanf:"flush_interval"`
	// Workers is the number of bulk requests in flight.
	Workers int `koanf:"workers"`
	// Retry governs transient faults (connection errors, 429, 5xx).
	Retry RetryConfig `koanf:"retry"`
	// Reindex switches the bulk action from create (409 = duplicate) to index (overwrite).
	Reindex bool `koanf:"reindex"`

	Template TemplateConfig `koanf:"template"`
	// RetentionDays: a monthly index is deleted once its month ended this
	// many days ago; 0 keeps everything.
	RetentionDays int `koanf:"retention_days"`
	// RetentionBy is RetentionByAgent (the agent deletes old indices) or
	// RetentionByCluster (setup installs an ISM or ILM policy where the
	// cluster has the plugin; elsewhere the agent still deletes them).
	RetentionBy string `koanf:"retention_by"`
}

// Values of Config.RetentionBy.
const (
	RetentionByAgent   = "agent"
	RetentionByCluster = "cluster"
)

// TLSConfig configures server verification and client certificates.
type TLSConfig struct {
	CAFile             string `koanf:"ca_file"`
	CertFile           string `koanf:"cert_file"`
	KeyFile            string `koanf:"key_file"`
	InsecureSkipVerify bool   `koanf:"insecure_skip_verify"`
}

// AWSConfig enables SigV4 signing for Amazon OpenSearch Service.
type AWSConfig struct {
	SigV4   bool   `koanf:"sigv4"`
	Region  string `koanf:"region"`
	Service string `koanf:"service"` // "es" (managed domains) or "aoss" (serverless)
}

// RetryConfig is jittered exponential backoff.
type RetryConfig struct {
	InitialInterval time.Duration `koanf:"initial_interval"`
	MaxInterval     time.Duration `koanf:"max_interval"`
	// MaxElapsed bounds retries of one batch; 0 retries until shutdown.
	MaxElapsed time.Duration `koanf:"max_elapsed"`
}

// TemplateConfig sets index settings in the installed templates.
type TemplateConfig struct {
	Shards          int    `koanf:"shards"`
	Replicas        int    `koanf:"replicas"`
	RefreshInterval string `koanf:"refresh_interval"`
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{
		BatchDocs:     1000,
		BatchBytes:    5 << 20,
		FlushInterval: time.Second,
		Workers:       2,
		Retry:         RetryConfig{InitialInterval: 500 * time.Millisecond, MaxInterval: 30 * time.Second, MaxElapsed: 5 * time.Minute},
		Template:      TemplateConfig{Shards: 1, Replicas: 1, RefreshInterval: "30s"},
		AWS:           AWSConfig{Service: "es"},
		RetentionDays: 400,
		RetentionBy:   RetentionByAgent,
	}
}

// Enabled reports whether OpenSearch is configured.
func (c Config) Enabled() bool { return len(c.URLs) > 0 }

// Validate checks the values.
func (c Config) Validate() error {
	var errs []error
	for _, u := range c.URLs {
		if p, err := url.Parse(u); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			errs = append(errs, fmt.Errorf("output.opensearch.urls: %q is not an http(s) URL", u))
		}
	}
	if c.Password.IsSet() && c.PasswordFile != "" {
		errs = append(errs, errors.New("output.opensearch: set password or password_file, not both"))
	}
	if c.APIKey.IsSet() && c.APIKeyFile != "" {
		errs = append(errs, errors.New("output.opensearch: set api_key or api_key_file, not both"))
	}
	if (c.APIKey.IsSet() || c.APIKeyFile != "") && (c.Username != "" || c.AWS.SigV4) {
		errs = append(errs, errors.New("output.opensearch: an API key replaces username/password and SigV4; set one way to authenticate"))
	}
	if c.BatchDocs <= 0 {
		errs = append(errs, fmt.Errorf("output.opensearch.batch_docs: must be positive, got %d", c.BatchDocs))
	}
	if c.BatchBytes <= 0 {
		errs = append(errs, fmt.Errorf("output.opensearch.batch_bytes: must be positive, got %d", c.BatchBytes))
	}
	if c.Workers <= 0 {
		errs = append(errs, fmt.Errorf("output.opensearch.workers: must be positive, got %d", c.Workers))
	}
	if c.Template.Shards <= 0 {
		errs = append(errs, fmt.Errorf("output.opensearch.template.shards: must be positive, got %d", c.Template.Shards))
	}
	if c.Template.Replicas < 0 {
		errs = append(errs, fmt.Errorf("output.opensearch.template.replicas: must not be negative, got %d", c.Template.Replicas))
	}
	if c.RetentionDays < 0 {
		errs = append(errs, fmt.Errorf("output.opensearch.retention_days: must not be negative, got %d", c.RetentionDays))
	}
	if c.RetentionBy != RetentionByAgent && c.RetentionBy != RetentionByCluster {
		errs = append(errs, fmt.Errorf("output.opensearch.retention_by: %q is neither agent nor cluster", c.RetentionBy))
	}
	if c.AWS.SigV4 && c.AWS.Region == "" {
		errs = append(errs, errors.New("output.opensearch.aws.region: required when sigv4 is on"))
	}
	return errors.Join(errs...)
}
