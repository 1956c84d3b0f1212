package gmailtest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

const (
	scopeModify   = "https://www.googleapis.com/auth/gmail.modify"
	scopeReadonly = "https://www.googleapis.com/auth/gmail.readonly"

	// ServiceAccountEmail is the client_email of ServiceAccountJSON.
	ServiceAccountEmail = "dmarc-agent@fake-project.iam.gserviceaccount.com"
)

// grant is what an access token allows.
type grant struct {
	user   string
	scope  string
	expiry time.Time
}

func (g grant) hasScope(s string) bool {
	for _, x := range strings.Fields(g.scope) {
		if x == s {
			return true
		}
	}
	return false
}

type codeGrant struct {
	challenge, redirect, scope, user string
}

type oauthState struct {
	clientID, clientSecret string
	saKey                  *rsa.PrivateKey
	codes                  map[string]codeGrant
	refresh                map[string]grant
	tokens                 map[string]grant
	secrets                []string // everything secret the fake issued or received
}

func (o *oauthState) init() {
	o.clientID = "123456789-fake.apps.googleusercontent.com"
	o.clientSecret = "GOCSPX-" + random(18)
	o.codes = map[string]codeGrant{}
	o.refresh = map[string]grant{}
	o.tokens = map[string]grant{}
	o.secrets = []string{o.clientSecret}
}

func random(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// OAuthClientJSON is a Desktop app client file as Google Cloud Console
// downloads it, pointing at the fake's endpoints.
func (s *Server) OAuthClientJSON() []byte {
	b, _ := json.Marshal(map[string]any{"installed": map[string]any{
		"client_id": s.oauth.clientID, "project_id": "fake-project", "client_secret": s.oauth.clientSecret,
		"auth_uri": s.URL + "/o/oauth2/auth", "token_uri": s.URL + "/token",
		"auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
		"redirect_uris":               []string{"http://localhost"},
	}})
	return b
}

// ServiceAccountJSON is a service-account key file whose token_uri is the
// fake; the fake checks the assertion's signature with the key's public half.
func (s *Server) ServiceAccountJSON() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.oauth.saKey == nil {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		s.oauth.saKey = k
	}
	der, _ := x509.MarshalPKCS8PrivateKey(s.oauth.saKey)
	keyPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	for _, line := range strings.Split(keyPEM, "\n") {
		if len(line) > 40 {
			s.oauth.secrets = append(s.oauth.secrets, line)
		}
	}
	b, _ := json.Marshal(map[string]any{
		"type": "service_account", "project_id": "fake-project", "private_key_id": "fakekey1",
		"private_key": keyPEM, "client_email": ServiceAccountEmail, "client_id": "1000000000",
		"auth_uri": s.URL + "/o/oauth2/auth", "token_uri": s.URL + "/token",
	})
	return b
}

// Secrets lists every secret the fake issued or received: client secret,
// codes, PKCE verifiers, access and refresh tokens, key lines.
func (s *Server) Secrets() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.oauth.secrets...)
}

// AccessTokens lists the access tokens issued so far.
func (s *Server) AccessTokens() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for t := range s.oauth.tokens {
		out = append(out, t)
	}
	return out
}

// Approve plays the user consenting at authURL (as printed by the client)
// and returns the redirect URL the browser would be sent to. The user is
// the primary mailbox.
func (s *Server) Approve(authURL string) (string, error) {
	u, err := url.Parse(authURL)
	if err != nil {
		return "", err
	}
	return s.approve(u.Query())
}

func (s *Server) approve(q url.Values) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case q.Get("client_id") != s.oauth.clientID:
		return "", fmt.Errorf("unknown client_id")
	case q.Get("response_type") != "code":
		return "", fmt.Errorf("response_type must be code")
	case q.Get("code_challenge") == "" || q.Get("code_challenge_method") != "S256":
		return "", fmt.Errorf("PKCE S256 challenge required")
	case q.Get("access_type") != "offline":
		return "", fmt.Errorf("access_type=offline required for a refresh token")
	case q.Get("state") == "":
		return "", fmt.Errorf("state required")
	}
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || redirect.Scheme != "http" || !(strings.HasPrefix(redirect.Host, "127.0.0.1") || strings.HasPrefix(redirect.Host, "localhost") || strings.HasPrefix(redirect.Host, "[::1]")) {
		return "", fmt.Errorf("redirect_uri must be a loopback URL, got %q", q.Get("redirect_uri"))
	}
	code := "4/0Afake" + random(24)
	s.oauth.codes[code] = codeGrant{challenge: q.Get("code_challenge"), redirect: q.Get("redirect_uri"), scope: q.Get("scope"), user: s.primary}
	s.oauth.secrets = append(s.oauth.secrets, code)
	rq := redirect.Query()
	rq.Set("state", q.Get("state"))
	rq.Set("code", code)
	rq.Set("scope", q.Get("scope"))
	redirect.RawQuery = rq.Encode()
	return redirect.String(), nil
}

func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	to, err := s.approve(r.URL.Query())
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	http.Redirect(w, r, to, http.StatusFound)
}

// token is the token endpoint: authorization_code (with PKCE),
// refresh_token and the service-account JWT bearer grant.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, "invalid_request", "bad form")
		return
	}
	f := r.PostForm
	id, secret, basic := r.BasicAuth()
	if !basic {
		id, secret = f.Get("client_id"), f.Get("client_secret")
	} else {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o := &s.oauth
	var g grant
	refresh := ""
	switch f.Get("grant_type") {
	case "authorization_code", "refresh_token":
		if id != o.clientID || subtle.ConstantTimeCompare([]byte(secret), []byte(o.clientSecret)) != 1 {
			oauthError(w, "invalid_client", "The OAuth client was not found.")
			return
		}
		if f.Get("grant_type") == "authorization_code" {
			c, ok := o.codes[f.Get("code")]
			delete(o.codes, f.Get("code"))
			verifier := f.Get("code_verifier")
			o.secrets = append(o.secrets, verifier)
			sum := sha256.Sum256([]byte(verifier))
			switch {
			case !ok:
				oauthError(w, "invalid_grant", "Malformed auth code.")
				return
			case f.Get("redirect_uri") != c.redirect:
				oauthError(w, "redirect_uri_mismatch", "Bad Request")
				return
			case base64.RawURLEncoding.EncodeToString(sum[:]) != c.challenge:
				oauthError(w, "invalid_grant", "Invalid code verifier.")
				return
			}
			g = grant{user: c.user, scope: c.scope}
			refresh = "1//0fake-refresh-" + random(32)
			o.refresh[refresh] = g
			o.secrets = append(o.secrets, refresh)
		} else {
			rg, ok := o.refresh[f.Get("refresh_token")]
			if !ok {
				oauthError(w, "invalid_grant", "Token has been expired or revoked.")
				return
			}
			g = rg
		}
	case "urn:ietf:params:oauth:grant-type:jwt-bearer":
		claims, err := s.checkAssertion(f.Get("assertion"))
		if err != nil {
			oauthError(w, "invalid_grant", err.Error())
			return
		}
		g = grant{user: claims.Sub, scope: claims.Scope}
	default:
		oauthError(w, "unsupported_grant_type", "Invalid grant_type")
		return
	}
	access := "ya29.fake-" + random(32)
	g.expiry = time.Now().Add(s.TokenTTL)
	o.tokens[access] = g
	o.secrets = append(o.secrets, access)
	resp := map[string]any{"access_token": access, "expires_in": int(s.TokenTTL.Seconds()), "scope": g.scope, "token_type": "Bearer"}
	if refresh != "" {
		resp["refresh_token"] = refresh
	}
	writeJSON(w, http.StatusOK, resp)
}

type jwtClaims struct {
	Iss, Scope, Aud, Sub string
	Exp, Iat             int64
}

// checkAssertion verifies a service account's signed JWT; s.mu is held.
func (s *Server) checkAssertion(a string) (jwtClaims, error) {
	var c jwtClaims
	parts := strings.Split(a, ".")
	if len(parts) != 3 || s.oauth.saKey == nil {
		return c, fmt.Errorf("invalid assertion")
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return c, fmt.Errorf("invalid assertion signature encoding")
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if rsa.VerifyPKCS1v15(&s.oauth.saKey.PublicKey, crypto.SHA256, sum[:], sig) != nil {
		return c, fmt.Errorf("invalid JWT signature")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil || json.Unmarshal(payload, &c) != nil {
		return c, fmt.Errorf("invalid assertion payload")
	}
	switch {
	case c.Iss != ServiceAccountEmail:
		return c, fmt.Errorf("unknown issuer")
	case c.Aud != s.URL+"/token":
		return c, fmt.Errorf("bad audience")
	case c.Sub == "" || s.boxes[c.Sub] == nil:
		return c, fmt.Errorf("unauthorized_client: subject not in the domain")
	}
	return c, nil
}

func oauthError(w http.ResponseWriter, code, desc string) {
	writeJSON(w, http.StatusBadRequest, map[string]string{"error": code, "error_description": desc})
}
