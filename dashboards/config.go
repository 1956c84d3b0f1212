package dashboards

import (
	"fmt"
	"net/url"

	"github.com/dmarc-agent/dmarc-agent/internal/secret"
)

// Config is the `dashboards` section: where `dashboards import` posts the bundle.
type Config struct {
	URL                string        `koanf:"url"`
	Username           string        `koanf:"username"`
	Password           secret.String `koanf:"password"`
	Tenant             string        `koanf:"tenant"`
	CAFile             string        `koanf:"ca_file"`
	InsecureSkipVerify bool          `koanf:"insecure_skip_verify"`
	// Overwrite replaces saved objects that already exist (same id).
	Overwrite bool `koanf:"overwrite"`
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config { return Config{URL: "http://127.0.0.1:5601"} }

// Validate checks the values.
func (c Config) Validate() error {
	if c.URL == "" {
		return nil
	}
	if u, err := url.Parse(c.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("dashboards.url: %q is not an http(s) URL", c.URL)
	}
	return nil
}
