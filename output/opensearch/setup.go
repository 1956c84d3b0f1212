package opensearch

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/dmarc-agent/dmarc-agent/mapping"
)

// SetupReport says what Setup installed.
type SetupReport struct {
	Templates []string // index templates written
	// Policy is the ISM policy id written, "" when none was.
	Policy string
	// PolicyIndices counts existing indices the policy was attached to.
	PolicyIndices int
	// PolicySkipped says why no policy was written, "" when one was.
	PolicySkipped string
}

// Lines renders the report for a terminal.
func (r SetupReport) Lines() []string {
	var out []string
	for _, t := range r.Templates {
		out = append(out, "index template "+t+": installed")
	}
	if r.Policy != "" {
		out = append(out, fmt.Sprintf("retention policy %s: installed (attached to %d existing indices)", r.Policy, r.PolicyIndices))
	} else {
		out = append(out, "retention policy: skipped ("+r.PolicySkipped+")")
	}
	return out
}

func (o *Output) settings() mapping.TemplateSettings {
	return mapping.TemplateSettings{
		Shards:          o.cfg.Template.Shards,
		Replicas:        o.cfg.Template.Replicas,
		RefreshInterval: o.cfg.Template.RefreshInterval,
	}
}

// Setup installs (or overwrites) the index template of every kind and, when
// the Index State Management plugin is present and retention_days > 0, the
// retention policy. Safe to run again.
func (o *Output) Setup(ctx context.Context) (SetupReport, error) {
	var rep SetupReport
	for _, kind := range mapping.Kinds() {
		name, err := o.putTemplate(ctx, kind)
		if err != nil {
			return rep, err
		}
		rep.Templates = append(rep.Templates, name)
	}
	name, err := o.putDeadLetterTemplate(ctx)
	if err != nil {
		return rep, err
	}
	rep.Templates = append(rep.Templates, name)
	o.tmplMu.Lock()
	o.tmplOK = true
	o.tmplMu.Unlock()

	if o.cfg.RetentionDays == 0 {
		rep.PolicySkipped = "output.opensearch.retention_days is 0"
		return rep, nil
	}
	has, err := o.hasISM(ctx)
	if err != nil {
		return rep, err
	}
	if !has {
		rep.PolicySkipped = "the Index State Management plugin is not installed on the cluster; delete old indices yourself"
		o.logger.Warn("retention policy skipped: Index State Management plugin not found")
		return rep, nil
	}
	n, err := o.putPolicy(ctx)
	if err != nil {
		return rep, err
	}
	rep.Policy, rep.PolicyIndices = mapping.PolicyID(o.prefix), n
	return rep, nil
}

func (o *Output) putTemplate(ctx context.Context, kind mapping.Kind) (string, error) {
	name := mapping.TemplateName(o.prefix, kind)
	body, err := mapping.IndexTemplate(o.prefix, kind, o.settings())
	if err != nil {
		return "", err
	}
	res, err := o.do(ctx, http.MethodPut, "/_index_template/"+url.PathEscape(name), body)
	if err != nil {
		return "", fmt.Errorf("installing index template %s: %w", name, err)
	}
	if res.status != http.StatusOK {
		return "", fmt.Errorf("installing index template %s: %s", name, res.errorText())
	}
	o.logger.Info("index template installed", "template", name)
	return name, nil
}

// EnsureTemplates installs the index templates that are missing or older
// than this build's. Write calls it before its first bulk request; after one
// success it does nothing.
func (o *Output) EnsureTemplates(ctx context.Context) error {
	o.tmplMu.Lock()
	defer o.tmplMu.Unlock()
	if o.tmplOK {
		return nil
	}
	type want struct {
		name    string
		version int
		put     func(context.Context) (string, error)
	}
	var wants []want
	for _, kind := range mapping.Kinds() {
		wants = append(wants, want{mapping.TemplateName(o.prefix, kind), mapping.TemplateVersion,
			func(ctx context.Context) (string, error) { return o.putTemplate(ctx, kind) }})
	}
	wants = append(wants, want{DeadLetterIndex(o.prefix), deadLetterTemplateVersion, o.putDeadLetterTemplate})
	for _, w := range wants {
		res, err := o.do(ctx, http.MethodGet, "/_index_template/"+url.PathEscape(w.name), nil)
		if err != nil {
			return fmt.Errorf("checking index template %s: %w", w.name, err)
		}
		switch res.status {
		case http.StatusOK:
			if templateVersion(res.body) >= w.version {
				continue
			}
		case http.StatusNotFound:
		case http.StatusUnauthorized, http.StatusForbidden:
			// A writer role without template rights: an administrator
			// is expected to have run `dmarc-agent setup`.
			o.logger.Warn("cannot check index templates; assuming `dmarc-agent setup` installed them", "template", w.name, "status", res.status)
			o.tmplOK = true
			return nil
		default:
			return fmt.Errorf("checking index template %s: %s", w.name, res.errorText())
		}
		if _, err := w.put(ctx); err != nil {
			return err
		}
	}
	o.tmplOK = true
	return nil
}

// templateVersion reads _meta.version from a GET _index_template answer.
func templateVersion(body []byte) int {
	var r struct {
		IndexTemplates []struct {
			IndexTemplate struct {
				Meta struct {
					Version int `json:"version"`
				} `json:"_meta"`
			} `json:"index_template"`
		} `json:"index_templates"`
	}
	if json.Unmarshal(body, &r) != nil || len(r.IndexTemplates) == 0 {
		return 0
	}
	return r.IndexTemplates[0].IndexTemplate.Meta.Version
}

// hasISM reports whether the Index State Management plugin answers.
func (o *Output) hasISM(ctx context.Context) (bool, error) {
	res, err := o.do(ctx, http.MethodGet, "/_cat/plugins?format=json&h=component", nil)
	if err != nil {
		return false, fmt.Errorf("listing plugins: %w", err)
	}
	if res.status == http.StatusOK {
		var plugins []struct {
			Component string `json:"component"`
		}
		if err := json.Unmarshal(res.body, &plugins); err == nil {
			for _, p := range plugins {
				if p.Component == "opensearch-index-management" || p.Component == "opendistro-index-management" {
					return true, nil
				}
			}
			return false, nil
		}
	}
	// _cat/plugins not allowed (restricted user, managed service): ask the
	// ISM endpoint itself. Without the plugin there is no handler for it.
	res, err = o.do(ctx, http.MethodGet, "/_plugins/_ism/policies", nil)
	if err != nil {
		return false, fmt.Errorf("probing the ISM plugin: %w", err)
	}
	if res.status == http.StatusOK {
		return true, nil
	}
	return !strings.Contains(string(res.body), "no handler found"), nil
}

// putPolicy creates or updates the retention policy and attaches it to the
// existing indices; it returns how many indices it attached it to.
func (o *Output) putPolicy(ctx context.Context) (int, error) {
	id := mapping.PolicyID(o.prefix)
	kinds := mapping.Kinds()
	body, err := mapping.RetentionPolicy(o.prefix, o.cfg.RetentionDays, kinds)
	if err != nil {
		return 0, err
	}
	path := "/_plugins/_ism/policies/" + url.PathEscape(id)
	res, err := o.do(ctx, http.MethodGet, path, nil)
	if err != nil {
		return 0, fmt.Errorf("reading ISM policy %s: %w", id, err)
	}
	switch res.status {
	case http.StatusOK:
		var cur struct {
			SeqNo       int64 `json:"_seq_no"`
			PrimaryTerm int64 `json:"_primary_term"`
		}
		if err := json.Unmarshal(res.body, &cur); err != nil {
			return 0, fmt.Errorf("reading ISM policy %s: %w", id, err)
		}
		path += fmt.Sprintf("?if_seq_no=%d&if_primary_term=%d", cur.SeqNo, cur.PrimaryTerm)
	case http.StatusNotFound:
	default:
		return 0, fmt.Errorf("reading ISM policy %s: %s", id, res.errorText())
	}
	res, err = o.do(ctx, http.MethodPut, path, body)
	if err != nil {
		return 0, fmt.Errorf("writing ISM policy %s: %w", id, err)
	}
	if res.status != http.StatusOK && res.status != http.StatusCreated {
		return 0, fmt.Errorf("writing ISM policy %s: %s", id, res.errorText())
	}
	o.logger.Info("retention policy installed", "policy", id, "days", o.cfg.RetentionDays)

	// ism_template only catches indices created from now on; attach the
	// policy to the indices that already exist (those that have one keep it).
	patterns := make([]string, len(kinds))
	for i, k := range kinds {
		patterns[i] = mapping.IndexPattern(o.prefix, k)
	}
	addBody, _ := json.Marshal(map[string]string{"policy_id": id})
	res, err = o.do(ctx, http.MethodPost, "/_plugins/_ism/add/"+strings.Join(patterns, ","), addBody)
	if err != nil {
		return 0, fmt.Errorf("attaching ISM policy %s: %w", id, err)
	}
	if res.status != http.StatusOK {
		return 0, fmt.Errorf("attaching ISM policy %s: %s", id, res.errorText())
	}
	var added struct {
		Updated int `json:"updated_indices"`
	}
	_ = json.Unmarshal(res.body, &added)
	return added.Updated, nil
}
