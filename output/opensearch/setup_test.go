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
	cfg.RetentionBy = RetentionByCluster
	o := newTestOutput(t, cfg, nil)

	for run := range 2 { // a second run must succeed too (updates in place)
		rep, err := o.Setup(t.Context())
		if err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		if rep.Policy != "dmarc-retention" || rep.PolicyKind != "ISM" || rep.PolicyIndices != 2 || rep.PolicySkipped != "" || rep.AgentManaged {
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
	lines := strings.Join((SetupReport{Templates: []string{"dmarc-aggregate"}, Policy: "dmarc-retention", PolicyKind: "ISM", PolicyIndices: 2}).Lines(), "\n")
	if lines != "index template dmarc-aggregate: installed\nretention policy dmarc-retention (ISM): installed (attached to 2 existing indices)" {
		t.Errorf("Lines = %q", lines)
	}
}

func TestSetupWithoutISM(t *testing.T) {
	f := newFake(t)
	f.plugins = `[]`
	cfg := testConfig(f.srv.URL)
	cfg.RetentionBy = RetentionByCluster
	o := newTestOutput(t, cfg, nil)
	rep, err := o.Setup(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := "retention: the cluster has neither ISM nor ILM; managed by dmarc-agent: indices whose month ended 400 days ago are deleted daily by `dmarc-agent run`, or by `dmarc-agent retention`"
	if rep.Policy != "" || !rep.AgentManaged || last(rep.Lines()) != want {
		t.Errorf("report %+v, last line %q", rep, last(rep.Lines()))
	}
	if len(f.policies) != 0 {
		t.Errorf("policy written without ISM")
	}
	if agent, err := o.AgentRetention(t.Context()); !agent || err != nil {
		t.Errorf("AgentRetention = %v, %v; want true: the cluster cannot do it", agent, err)
	}
}

// By default the agent manages retention, even where ISM is installed.
func TestSetupAgentRetentionByDefault(t *testing.T) {
	f := newFake(t)
	f.plugins = `[{"component":"opensearch-index-management"}]`
	o := newTestOutput(t, testConfig(f.srv.URL), nil)
	rep, err := o.Setup(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := "retention: managed by dmarc-agent: indices whose month ended 400 days ago are deleted daily by `dmarc-agent run`, or by `dmarc-agent retention`"
	if rep.Policy != "" || !rep.AgentManaged || last(rep.Lines()) != want {
		t.Errorf("report %+v, last line %q", rep, last(rep.Lines()))
	}
	if len(f.policies) != 0 {
		t.Errorf("policy written although retention_by is agent")
	}
	for _, r := range f.requestLog() {
		if strings.Contains(r, "_cat/plugins") || strings.Contains(r, "_ism") {
			t.Errorf("asked %s although retention_by is agent", r)
		}
	}
	if agent, err := o.AgentRetention(t.Context()); !agent || err != nil {
		t.Errorf("AgentRetention = %v, %v; want true", agent, err)
	}
}

func TestSetupRetentionZero(t *testing.T) {
	f := newFake(t)
	cfg := testConfig(f.srv.URL)
	cfg.RetentionDays = 0
	o := newTestOutput(t, cfg, nil)
	rep, err := o.Setup(t.Context())
	if err != nil || rep.PolicySkipped != "output.opensearch.retention_days is 0" || rep.AgentManaged {
		t.Fatalf("report %+v, %v", rep, err)
	}
	if agent, err := o.AgentRetention(t.Context()); agent || err != nil {
		t.Errorf("AgentRetention = %v, %v; want false with retention_days 0", agent, err)
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
