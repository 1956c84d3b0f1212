package dashboards

import (
	"net/http"
	"net/url"
	"time"

	"github.com/dmarc-agent/dmarc-agent/internal/tlsconf"
)

// requestTimeout bounds one import request, large bundles included.
const requestTimeout = 2 * time.Minute

// newHTTPClient builds the client for cfg: system roots plus cfg.CAFile,
// verification on unless cfg.InsecureSkipVerify.
func newHTTPClient(cfg Config) (*http.Client, error) {
	tlsCfg, err := tlsconf.Client(cfg.CAFile, cfg.InsecureSkipVerify, "dashboards.ca_file")
	if err != nil {
		return nil, err
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = tlsCfg
	return &http.Client{Transport: tr, Timeout: requestTimeout}, nil
}

// redactURL drops any user:password from a URL before it reaches a message.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(invalid URL)"
	}
	return u.Redacted()
}
