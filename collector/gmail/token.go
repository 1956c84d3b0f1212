package gmail

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	"golang.org/x/oauth2"

	"github.com/dmarc-agent/dmarc-agent/internal/statefile"
)

// tokenFile is what the token file holds: the OAuth token and the scope it
// was granted for, so that a token too narrow for the configuration is
// reported before the first API call fails.
type tokenFile struct {
	oauth2.Token
	Scope string `json:"scope,omitempty"`
}

// readToken loads the token file.
func readToken(path string) (tokenFile, error) {
	var tf tokenFile
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return tf, fmt.Errorf("reading gmail token %s: no token yet; run `dmarc-agent gmail auth` first", path)
	}
	if err != nil {
		return tf, fmt.Errorf("reading gmail token: %w", err)
	}
	if err := json.Unmarshal(b, &tf); err != nil {
		return tf, fmt.Errorf("reading gmail token %s: not a token file (run `dmarc-agent gmail auth` again)", path)
	}
	if tf.RefreshToken == "" {
		return tf, fmt.Errorf("reading gmail token %s: no refresh token (run `dmarc-agent gmail auth` again)", path)
	}
	return tf, nil
}

// covers reports whether the granted scope list includes want (modify
// includes readonly).
func (tf tokenFile) covers(want string) bool {
	if tf.Scope == "" {
		return true // unknown: let the API decide
	}
	for _, s := range strings.Fields(tf.Scope) {
		if s == want || s == ScopeModify || s == "https://mail.google.com/" {
			return true
		}
	}
	return false
}

// writeToken saves the token file atomically with mode 0600.
func writeToken(path string, tf tokenFile) error {
	b, err := json.MarshalIndent(tf, "", "  ")
	if err != nil {
		return err
	}
	return statefile.WriteAtomic(path, append(b, '\n'))
}

// savingSource saves every new token its source hands out back to the token
// file, so a refreshed access token (and a rotated refresh token) survives a
// restart.
type savingSource struct {
	src   oauth2.TokenSource // a ReuseTokenSource
	path  string
	scope string
	onErr func(error)

	mu   sync.Mutex
	last string // access token last saved
}

func (s *savingSource) Token() (*oauth2.Token, error) {
	t, err := s.src.Token()
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if t.AccessToken != s.last {
		if err := writeToken(s.path, tokenFile{Token: *t, Scope: s.scope}); err != nil {
			s.onErr(err) // the token still works for this process
		} else {
			s.last = t.AccessToken
		}
	}
	return t, nil
}
