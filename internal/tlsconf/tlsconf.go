// Package tlsconf builds the TLS settings of the project's HTTPS clients.
package tlsconf

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
)

// Client returns client TLS settings: TLS 1.2 or newer, the system roots
// plus the PEM certificates of caFile (if set), and verification on unless
// insecure. key is the configuration key of caFile, for error messages.
func Client(caFile string, insecure bool, key string) (*tls.Config, error) {
	t := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: insecure} //nolint:gosec // opt-in, documented
	if caFile == "" {
		return t, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", key, err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s %s: no PEM certificate found", key, caFile)
	}
	t.RootCAs = pool
	return t, nil
}
