package server

import (
	"fmt"
	"net"
)

// Config is the `http` section: /metrics, /healthz, /readyz.
type Config struct {
	// Listen is host:port; "" disables the listener.
	Listen string `koanf:"listen"`
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config { return Config{Listen: "127.0.0.1:9464"} }

// Validate checks the values.
func (c Config) Validate() error {
	if c.Listen == "" {
		return nil
	}
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		return fmt.Errorf("http.listen: %q is not host:port: %v", c.Listen, err)
	}
	return nil
}
