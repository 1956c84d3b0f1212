package dashboards

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
)

// ImportPath is the saved-objects import API of OpenSearch Dashboards.
const ImportPath = "/api/saved_objects/_import"

// maxResponse bounds how much of a response is read.
const maxResponse = 8 << 20

// Item is one saved object in an import result. Error is set for failures.
type Item struct {
	Type  string
	ID    string
	Title string
	Error string
}

// Result says what an import did to each saved object.
type Result struct {
	Created []Item
	Updated []Item
	Failed  []Item
}

// ErrObjectsFailed is wrapped by Import's error when Dashboards answered but
// rejected some saved objects; the Result lists them.
var ErrObjectsFailed = errors.New("saved objects failed to import")

// Import posts bundle to cfg.URL's saved-objects import API. With
// cfg.Overwrite, objects that exist are replaced (reported as updated); without it they
// fail with a conflict. The error is non-nil when the request failed or any
// object failed; Result holds what is known either way.
func Import(ctx context.Context, cfg Config, bundle []byte) (Result, error) {
	if cfg.URL == "" {
		return Result{}, errors.New("dashboards.url is not set")
	}
	client, err := newHTTPClient(cfg)
	if err != nil {
		return Result{}, err
	}
	defer client.CloseIdleConnections() // one request per import: leave nothing behind
	body, contentType, err := multipartBody(bundle)
	if err != nil {
		return Result{}, err
	}
	endpoint := strings.TrimRight(cfg.URL, "/") + ImportPath
	if cfg.Overwrite {
		endpoint += "?overwrite=true"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return Result{}, fmt.Errorf("building import request: %w", err)
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("osd-xsrf", "true")
	if cfg.Tenant != "" {
		req.Header.Set("securitytenant", cfg.Tenant)
	}
	if cfg.Username != "" || cfg.Password.IsSet() {
		req.SetBasicAuth(cfg.Username, cfg.Password.Reveal())
	}
	resp, err := client.Do(req)
	if err != nil {
		return Result{}, fmt.Errorf("posting saved objects to %s: %w", redactURL(endpoint), err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return Result{}, fmt.Errorf("reading import response: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return Result{}, fmt.Errorf("importing saved objects: %s: %s", resp.Status, snippet(raw))
	}
	return parseResponse(raw)
}

func multipartBody(bundle []byte) ([]byte, string, error) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="file"; filename="dmarc-agent.ndjson"`)
	h.Set("Content-Type", "application/ndjson")
	part, err := w.CreatePart(h)
	if err != nil {
		return nil, "", fmt.Errorf("building import request: %w", err)
	}
	part.Write(bundle)
	if err := w.Close(); err != nil {
		return nil, "", fmt.Errorf("building import request: %w", err)
	}
	return b.Bytes(), w.FormDataContentType(), nil
}

type importResponse struct {
	Success        *bool `json:"success"`
	SuccessCount   int   `json:"successCount"`
	SuccessResults []struct {
		Type      string `json:"type"`
		ID        string `json:"id"`
		Overwrite bool   `json:"overwrite"`
		Meta      struct {
			Title string `json:"title"`
		} `json:"meta"`
	} `json:"successResults"`
	Errors []struct {
		Type  string `json:"type"`
		ID    string `json:"id"`
		Title string `json:"title"`
		Meta  struct {
			Title string `json:"title"`
		} `json:"meta"`
		Error struct {
			Type       string `json:"type"`
			Message    string `json:"message"`
			StatusCode int    `json:"statusCode"`
			References []struct {
				Type string `json:"type"`
				ID   string `json:"id"`
			} `json:"references"`
		} `json:"error"`
	} `json:"errors"`
}

func parseResponse(raw []byte) (Result, error) {
	var r importResponse
	if err := json.Unmarshal(raw, &r); err != nil || r.Success == nil {
		return Result{}, fmt.Errorf("import response is not a saved-objects import result: %s", snippet(raw))
	}
	var res Result
	for _, s := range r.SuccessResults {
		it := Item{Type: s.Type, ID: s.ID, Title: s.Meta.Title}
		if s.Overwrite {
			res.Updated = append(res.Updated, it)
		} else {
			res.Created = append(res.Created, it)
		}
	}
	for _, e := range r.Errors {
		title := e.Meta.Title
		if title == "" {
			title = e.Title
		}
		res.Failed = append(res.Failed, Item{Type: e.Type, ID: e.ID, Title: title, Error: describe(e.Error.Type, e.Error.Message, e.Error.StatusCode, e.Error.References)})
	}
	switch {
	case len(res.Failed) > 0:
		return res, fmt.Errorf("%w: %d of %d", ErrObjectsFailed, len(res.Failed), len(res.Failed)+r.SuccessCount)
	case !*r.Success:
		return res, fmt.Errorf("%w: Dashboards reported no success and no error", ErrObjectsFailed)
	}
	return res, nil
}

func describe(kind, msg string, status int, refs []struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}) string {
	switch kind {
	case "conflict":
		return "conflict: the object exists (import with --overwrite to replace it)"
	case "missing_references":
		var names []string
		for _, r := range refs {
			names = append(names, r.Type+"/"+r.ID)
		}
		return "missing references: " + strings.Join(names, ", ")
	case "unknown":
		return fmt.Sprintf("%s (status %d)", msg, status)
	case "":
		return "unknown error"
	}
	if msg != "" {
		return kind + ": " + msg
	}
	return kind
}

// snippet returns the start of a response body for an error message.
func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	if s == "" {
		return "(empty body)"
	}
	return s
}
