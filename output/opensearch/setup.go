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
	// Policy is the ISM or ILM policy id written, "" when none was.
	Policy string
	// PolicyKind is "ISM" or "ILM" when Policy is set.
	PolicyKind string
	// PolicyIndices counts existing indices the ISM policy was attached to.
	PolicyIndices int
	// PolicySkipped says why no policy was written, "" when one was.
	PolicySkipped string
	// AgentManaged says dmarc-agent itself deletes old indices.
	AgentManaged bool
}

// Lines renders the report for a terminal.
func (r SetupReport) Lines() []string {
	var out []string
	for _, t := range r.Templates {
		out = append(out, "index template "+t+": installed")
	}
	switch {
	case r.Policy != "" && r.PolicyKind == "ILM":
		out = append(out, fmt.Sprintf("retention policy %s (ILM): installed (new and existing indices follow it)", r.Policy))
	case r.Policy != "":
		out = append(out, fmt.Sprintf("retention policy %s (ISM): installed (attached to %d existing indices)", r.Policy, r.PolicyIndices))
	case r.AgentManaged:
		out = append(out, "retention: "+r.PolicySkipped)
	default:
		out = append(out, "retention policy: skipped ("+r.PolicySkipped+")")
	}
	return out
}

func (o *Output) settings() mapping.TemplateSettings {
	o.engine.mu.Lock()
	defer o.engine.mu.Unlock()
	return mapping.TemplateSettings{
		Shards:          o.cfg.Template.Shards,
		Replicas:        o.cfg.Template.Replicas,
		RefreshInterval: o.cfg.Template.RefreshInterval,
		LifecyclePolicy: o.engine.ilmPolicy,
	}
}

// Setup installs (or overwrites) the index template of every kind and the
// retention set-up: with retention_by cluster and the Index State
// Management (OpenSearch) or Index Lifecycle Management (Elasticsearch)
// plugin present, a policy; otherwise nothing, as the agent deletes old
// indices itself. Safe to run again.
func (o *Output) Setup(ctx context.Context) (SetupReport, error) {
	var rep SetupReport
	// say once which engine this is; a cluster that will not tell can
	// still take the templates
	if _, err := o.Engine(ctx); err != nil {
		o.logger.Warn("cannot tell which engine the cluster runs", "err", err)
	}
	plugin := ""
	if o.cfg.RetentionDays > 0 && o.cfg.RetentionBy == RetentionByCluster {
		var err error
		if plugin, err = o.RetentionPlugin(ctx); err != nil {
			return rep, err
		}
	}
	if plugin == "ILM" {
		if err := o.useILM(ctx); err != nil {
			return rep, err
		}
	}
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

	switch plugin {
	case "ISM":
		n, err := o.putPolicy(ctx)
		if err != nil {
			return rep, err
		}
		rep.Policy, rep.PolicyKind, rep.PolicyIndices = mapping.PolicyID(o.prefix), "ISM", n
	case "ILM":
		if err := o.attachILMPolicy(ctx); err != nil {
			return rep, err
		}
		rep.Policy, rep.PolicyKind = mapping.PolicyID(o.prefix), "ILM"
	default:
		if o.cfg.RetentionDays == 0 {
			rep.PolicySkipped = "output.opensearch.retention_days is 0"
			return rep, nil
		}
		rep.AgentManaged = true
		rep.PolicySkipped = fmt.Sprintf("managed by dmarc-agent: indices whose month ended %d days ago are deleted daily by `dmarc-agent run`, or by `dmarc-agent retention`", o.cfg.RetentionDays)
		if o.cfg.RetentionBy == RetentionByCluster {
			rep.PolicySkipped = "the cluster has neither ISM nor ILM; " + rep.PolicySkipped
		}
	}
	return rep, nil
}

// RetentionPlugin returns "ISM" when the cluster is OpenSearch with the
// Index State Management plugin, "ILM" when it is Elasticsearch with Index
// Lifecycle Management, and "" otherwise.
func (o *Output) RetentionPlugin(ctx context.Context) (string, error) {
	e, err := o.Engine(ctx)
	if err != nil {
		return "", err
	}
	if e.Name == EngineElasticsearch {
		has, err := o.hasILM(ctx)
		if err != nil || !has {
			return "", err
		}
		return "ILM", nil
	}
	has, err := o.hasISM(ctx)
	if err != nil || !has {
		return "", err
	}
	return "ISM", nil
}

// AgentRetention reports whether the agent itself must delete old indices:
// retention_days is set, and either retention_by is agent or the cluster
// has no ISM/ILM plugin to do it.
func (o *Output) AgentRetention(ctx context.Context) (bool, error) {
	if o.cfg.RetentionDays == 0 {
		return false, nil
	}
	if o.cfg.RetentionBy != RetentionByCluster {
		return true, nil
	}
	p, err := o.RetentionPlugin(ctx)
	if err != nil {
		return false, err
	}
	return p == "", nil
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
	ilmChecked := false
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
		if !ilmChecked {
			// templates must keep naming the ILM policy
			ilmChecked = true
			if err := o.prepareILM(ctx); err != nil {
				return err
			}
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

// prepareILM, with retention_by cluster on a cluster with ILM, writes the
// ILM policy and has the templates name it.
func (o *Output) prepareILM(ctx context.Context) error {
	if o.cfg.RetentionDays == 0 || o.cfg.RetentionBy != RetentionByCluster {
		return nil
	}
	p, err := o.RetentionPlugin(ctx)
	if err != nil || p != "ILM" {
		return err
	}
	return o.useILM(ctx)
}

// useILM writes the ILM policy, then has the templates name it (the policy
// must exist before a template names it).
func (o *Output) useILM(ctx context.Context) error {
	if err := o.putILMPolicy(ctx); err != nil {
		return err
	}
	o.engine.mu.Lock()
	o.engine.ilmPolicy = mapping.PolicyID(o.prefix)
	o.engine.mu.Unlock()
	return nil
}

// hasILM reports whether Index Lifecycle Management answers (the minimal
// Elasticsearch distribution has none: no handler for the URI).
func (o *Output) hasILM(ctx context.Context) (bool, error) {
	res, err := o.do(ctx, http.MethodGet, "/_ilm/status", nil)
	if err != nil {
		return false, fmt.Errorf("probing ILM: %w", err)
	}
	return res.status == http.StatusOK, nil
}

// putILMPolicy creates or updates the ILM retention policy.
func (o *Output) putILMPolicy(ctx context.Context) error {
	id := mapping.PolicyID(o.prefix)
	body, err := mapping.LifecyclePolicy(o.cfg.RetentionDays)
	if err != nil {
		return err
	}
	res, err := o.do(ctx, http.MethodPut, "/_ilm/policy/"+url.PathEscape(id), body)
	if err != nil {
		return fmt.Errorf("writing ILM policy %s: %w", id, err)
	}
	if res.status != http.StatusOK {
		return fmt.Errorf("writing ILM policy %s: %s", id, res.errorText())
	}
	o.logger.Info("retention policy installed", "policy", id, "kind", "ILM", "days", o.cfg.RetentionDays)
	return nil
}

// attachILMPolicy makes the existing indices follow the ILM policy (the
// templates name it for new ones).
func (o *Output) attachILMPolicy(ctx context.Context) error {
	id := mapping.PolicyID(o.prefix)
	var patterns []string
	for _, k := range mapping.Kinds() {
		patterns = append(patterns, mapping.IndexPattern(o.prefix, k))
	}
	body, _ := json.Marshal(map[string]any{"index": map[string]any{"lifecycle": map[string]string{"name": id}}})
	res, err := o.do(ctx, http.MethodPut, "/"+strings.Join(patterns, ",")+"/_settings?allow_no_indices=true", body)
	if err != nil {
		return fmt.Errorf("attaching ILM policy %s: %w", id, err)
	}
	if res.status != http.StatusOK {
		return fmt.Errorf("attaching ILM policy %s: %s", id, res.errorText())
	}
	return nil
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
