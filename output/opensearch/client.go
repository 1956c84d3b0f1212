package opensearch

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/opensearch-project/opensearch-go/v4"
	"github.com/opensearch-project/opensearch-go/v4/signer/awsv2"

	"github.com/dmarc-agent/dmarc-agent/internal/tlsconf"
)

// attemptTimeout bounds one HTTP round trip, so a stalled connection turns
// into a retry instead of a hang.
const attemptTimeout = 2 * time.Minute

// newClient builds the opensearch-go client from cfg. It does not contact
// the cluster. Retries are ours (see retry.go), so the client's are off.
func newClient(ctx context.Context, cfg Config) (*opensearch.Client, error) {
	password := cfg.Password.Reveal()
	if cfg.PasswordFile != "" {
		b, err := os.ReadFile(cfg.PasswordFile)
		if err != nil {
			return nil, fmt.Errorf("reading output.opensearch.password_file: %w", err)
		}
		password = strings.TrimRight(string(b), "\r\n")
	}
	tlsCfg, err := tlsConfig(cfg.TLS)
	if err != nil {
		return nil, err
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = tlsCfg
	tr.MaxIdleConnsPerHost = cfg.Workers + 4
	// No gzip of responses: requests are not compressed either, and bulk
	// answers are small (filter_path), so compressing them costs the
	// cluster's CPU, and ours, for nothing.
	tr.DisableCompression = true

	osCfg := opensearch.Config{
		Addresses:      cfg.URLs,
		Username:       cfg.Username,
		Password:       password,
		Transport:      tr,
		DisableRetry:   true,
		RequestTimeout: attemptTimeout,
	}
	if key, err := apiKey(cfg); err != nil {
		return nil, err
	} else if key != "" {
		osCfg.Header = http.Header{"Authorization": []string{"ApiKey " + key}}
	}
	if cfg.AWS.SigV4 {
		awsCfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(cfg.AWS.Region))
		if err != nil {
			return nil, fmt.Errorf("loading AWS credentials for SigV4: %w", err)
		}
		service := cfg.AWS.Service
		if service == "" {
			service = "es"
		}
		sg, err := awsv2.NewSignerWithService(awsCfg, service)
		if err != nil {
			return nil, fmt.Errorf("creating SigV4 signer: %w", err)
		}
		osCfg.Signer = sg
	}
	c, err := opensearch.NewClient(osCfg)
	if err != nil {
		return nil, fmt.Errorf("creating OpenSearch client: %w", err)
	}
	return c, nil
}

// apiKey returns the API key from api_key or api_key_file, "" for none.
func apiKey(cfg Config) (string, error) {
	if cfg.APIKeyFile == "" {
		return cfg.APIKey.Reveal(), nil
	}
	b, err := os.ReadFile(cfg.APIKeyFile)
	if err != nil {
		return "", fmt.Errorf("reading output.opensearch.api_key_file: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// tlsConfig returns the client TLS settings: verification on unless asked
// otherwise, an extra CA file, and a client certificate.
func tlsConfig(c TLSConfig) (*tls.Config, error) {
	t, err := tlsconf.Client(c.CAFile, c.InsecureSkipVerify, "output.opensearch.tls.ca_file")
	if err != nil {
		return nil, err
	}
	if (c.CertFile == "") != (c.KeyFile == "") {
		return nil, fmt.Errorf("output.opensearch.tls: cert_file and key_file go together")
	}
	if c.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("loading output.opensearch.tls client certificate: %w", err)
		}
		t.Certificates = []tls.Certificate{cert}
	}
	return t, nil
}

// response is a fully read HTTP answer.
type response struct {
	status int
	body   []byte
	header http.Header
}

// do sends one request through the client and reads the whole answer. err
// is set only when no answer came back (connection refused, reset, timeout).
func (o *Output) do(ctx context.Context, method, path string, body []byte) (response, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, path, rd)
	if err != nil {
		return response{}, fmt.Errorf("building %s %s: %w", method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := o.client.Stream(req)
	if res == nil {
		if err == nil {
			err = fmt.Errorf("no response")
		}
		return response{}, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	b, rerr := io.ReadAll(res.Body)
	if rerr != nil {
		return response{}, fmt.Errorf("%s %s: reading response: %w", method, path, rerr)
	}
	return response{status: res.StatusCode, body: b, header: res.Header}, nil
}

// errorText shortens an error answer for a log line or error message.
func (r response) errorText() string {
	s := strings.TrimSpace(string(r.body))
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return fmt.Sprintf("HTTP %d: %s", r.status, s)
}
