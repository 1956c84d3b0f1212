package opensearch

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/dmarc-agent/dmarc-agent/mapping"
)

func TestSetupWithISM(t *testing.T) {
	f := newFake(t)
	f.plugins = `[{"component":"opensearch-job-scheduler"},{"component":"opensearch-index-management"}]`
	cfg := testConfig(f.srv.URL)
	cfg.RetentionDays = 90
	o := newTestOutput(t, cfg, nil)

	for run := range 2 { // a second run must succeed too (updates in place)
		rep, err := o.Setup(t.Context())
		if err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		if rep.Policy != "dmarc-retention" || rep.PolicyIndices != 2 || rep.PolicySkipped != "" {
			t.Errorf("run %d: report %+v", run, rep)
		}
		if !slices.Contains(rep.Templates, "dmarc-aggregate") {
			t.Errorf("run %d: templates %v", run, rep.Templates)
		}
	}
	var pol struct {
		Policy struct {
			States []struct {
				Transitions []struct {
					Conditions map[string]string `json:"conditions"`
				} `json:"transitions"`
			} `json:"states"`
			ISMTemplate []struct {
				IndexPatterns []string `json:"index_patterns"`
			} `json:"ism_template"`
		} `json:"policy"`
	}
	if err := json.Unmarshal(f.policies["dmarc-retention"], &pol); err != nil {
		t.Fatal(err)
	}
	if age := pol.Policy.States[0].Transitions[0].Conditions["min_index_age"]; age != "90d" {
		t.Errorf("min_index_age = %q, want 90d", age)
	}
	if p := pol.Policy.ISMTemplate[0].IndexPatterns; !slices.Contains(p, "dmarc-aggregate-*") {
		t.Errorf("ism_template patterns %v", p)
	}
	if f.policySeq != 2 {
		t.Errorf("policy written %d times, want 2", f.policySeq)
	}
	var tmpl struct {
		IndexPatterns []string `json:"index_patterns"`
		Template      struct {
			Settings struct {
				Index map[string]any `json:"index"`
			} `json:"settings"`
		} `json:"template"`
	}
	if err := json.Unmarshal(f.templates["dmarc-aggregate"], &tmpl); err != nil {
		t.Fatal(err)
	}
	if tmpl.Template.Settings.Index["refresh_interval"] != "1s" || tmpl.Template.Settings.Index["number_of_replicas"] != 0.0 {
		t.Errorf("template settings %v", tmpl.Template.Settings.Index)
	}
	lines := strings.Join((SetupReport{Templates: []string{"dmarc-aggregate"}, Policy: "dmarc-retention", PolicyIndices: 2}).Lines(), "\n")
	if lines != "index template dmarc-aggregate: installed\nretention policy dmarc-retention: installed (attached to 2 existing indices)" {
		t.Errorf("Lines = %q", lines)
	}
}

func TestSetupWithoutISM(t *testing.T) {
	f := newFake(t)
	f.plugins = `[]`
	o := newTestOutput(t, testConfig(f.srv.URL), nil)
	rep, err := o.Setup(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Policy != "" || !strings.Contains(rep.PolicySkipped, "Index State Management plugin is not installed") {
		t.Errorf("report %+v", rep)
	}
	if len(f.policies) != 0 {
		t.Errorf("policy written without ISM")
	}
}

func TestSetupProbesISMWhenCatPluginsForbidden(t *testing.T) {
	f := newFake(t)
	f.plugins = `not json: forbidden`
	o := newTestOutput(t, testConfig(f.srv.URL), nil)
	// the fake has no handler for GET /_plugins/_ism/policies: absent
	rep, err := o.Setup(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Policy != "" || rep.PolicySkipped == "" {
		t.Errorf("report %+v, want the policy skipped", rep)
	}
}

func TestSetupRetentionZero(t *testing.T) {
	f := newFake(t)
	cfg := testConfig(f.srv.URL)
	cfg.RetentionDays = 0
	o := newTestOutput(t, cfg, nil)
	rep, err := o.Setup(t.Context())
	if err != nil || rep.PolicySkipped != "output.opensearch.retention_days is 0" {
		t.Fatalf("report %+v, %v", rep, err)
	}
}

func TestEnsureTemplatesUpgradesOlderVersion(t *testing.T) {
	f := newFake(t)
	f.templates["dmarc-aggregate"] = []byte(`{"index_patterns":["dmarc-aggregate-*"],"_meta":{"version":0}}`)
	o := newTestOutput(t, testConfig(f.srv.URL), nil)
	if err := o.EnsureTemplates(t.Context()); err != nil {
		t.Fatal(err)
	}
	if v := templateVersion([]byte(`{"index_templates":[{"index_template":` + string(f.templates["dmarc-aggregate"]) + `}]}`)); v != mapping.TemplateVersion {
		t.Errorf("template version after ensure = %d, want %d", v, mapping.TemplateVersion)
	}
	n := len(f.requestLog())
	if err := o.EnsureTemplates(t.Context()); err != nil {
		t.Fatal(err)
	}
	if len(f.requestLog()) != n {
		t.Error("second EnsureTemplates contacted the cluster")
	}
}

func TestEnsureTemplatesLeavesCurrentVersion(t *testing.T) {
	f := newFake(t)
	f.templates["dmarc-aggregate"] = []byte(`{"_meta":{"version":` + string(rune('0'+mapping.TemplateVersion)) + `},"custom":true}`)
	o := newTestOutput(t, testConfig(f.srv.URL), nil)
	if err := o.EnsureTemplates(t.Context()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(f.templates["dmarc-aggregate"]), "custom") {
		t.Error("a current template was overwritten")
	}
}

func TestEnsureTemplatesWithoutTemplateRights(t *testing.T) {
	f := newFake(t)
	o := newTestOutput(t, testConfig(f.srv.URL), nil)
	// a fake whose template endpoint answers 403, as for a writer-only role
	f.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/_index_template/") {
			w.WriteHeader(403)
			w.Write([]byte(`{"error":{"type":"security_exception","reason":"no permissions for [indices:admin/index_template/get]"}}`))
			return
		}
		f.serve(w, r)
	})
	res, err := o.Write(t.Context(), seq(docs("dmarc-aggregate-2026.11", 3)))
	if err != nil || res.Indexed != 3 {
		t.Fatalf("Write = %+v, %v; a writer without template rights must still write", res, err)
	}
}
