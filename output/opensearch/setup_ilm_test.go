package opensearch

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// esFake answers as an Elasticsearch 9 node with Index Lifecycle
// Management: the few endpoints Setup uses, recording what it is sent.
type esFake struct {
	mu       sync.Mutex
	requests []string
	bodies   map[string]string // "METHOD path" → body
}

func newESFake(t *testing.T, ilm bool) (*esFake, string) {
	f := &esFake{bodies: map[string]string{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		key := r.Method + " " + r.URL.Path
		f.mu.Lock()
		f.requests = append(f.requests, key)
		f.bodies[key] = string(b)
		f.mu.Unlock()
		w.Header().Set("X-Elastic-Product", "Elasticsearch")
		switch {
		case r.URL.Path == "/":
			io.WriteString(w, `{"version":{"number":"9.2.0","build_flavor":"default"},"tagline":"You Know, for Search"}`)
		case r.URL.Path == "/_ilm/status" && ilm:
			io.WriteString(w, `{"operation_mode":"RUNNING"}`)
		case strings.HasPrefix(r.URL.Path, "/_ilm/policy/") && ilm, strings.HasPrefix(r.URL.Path, "/_index_template/"),
			strings.HasSuffix(r.URL.Path, "/_settings") && ilm:
			io.WriteString(w, `{"acknowledged":true}`)
		default:
			w.WriteHeader(400)
			io.WriteString(w, `{"error":"no handler found for uri [`+r.URL.Path+`] and method [`+r.Method+`]"}`)
		}
	}))
	t.Cleanup(srv.Close)
	return f, srv.URL
}

func TestSetupWithILM(t *testing.T) {
	f, url := newESFake(t, true)
	cfg := testConfig(url)
	cfg.RetentionDays = 120
	cfg.RetentionBy = RetentionByCluster
	o := newTestOutput(t, cfg, nil)
	rep, err := o.Setup(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Policy != "dmarc-retention" || rep.PolicyKind != "ILM" || rep.AgentManaged {
		t.Fatalf("report %+v", rep)
	}
	if got := last(rep.Lines()); got != "retention policy dmarc-retention (ILM): installed (new and existing indices follow it)" {
		t.Errorf("line %q", got)
	}
	if agent, err := o.AgentRetention(t.Context()); agent || err != nil {
		t.Errorf("AgentRetention = %v, %v; want false: ILM deletes", agent, err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if got := f.bodies["PUT /_ilm/policy/dmarc-retention"]; got != `{"policy":{"_meta":{"managed_by":"dmarc-agent"},"phases":{"delete":{"actions":{"delete":{}},"min_age":"120d"}}}}` {
		t.Errorf("policy body %s", got)
	}
	// the policy exists before a template names it
	iPolicy, iTemplate := -1, -1
	for i, r := range f.requests {
		if r == "PUT /_ilm/policy/dmarc-retention" && iPolicy < 0 {
			iPolicy = i
		}
		if strings.HasPrefix(r, "PUT /_index_template/") && iTemplate < 0 {
			iTemplate = i
		}
	}
	if iPolicy < 0 || iTemplate < iPolicy {
		t.Errorf("requests %v: policy must come before the templates", f.requests)
	}
	var tmpl struct {
		Template struct {
			Settings struct {
				Index struct {
					Lifecycle map[string]string `json:"lifecycle"`
				} `json:"index"`
			} `json:"settings"`
		} `json:"template"`
	}
	if err := json.Unmarshal([]byte(f.bodies["PUT /_index_template/dmarc-aggregate"]), &tmpl); err != nil || tmpl.Template.Settings.Index.Lifecycle["name"] != "dmarc-retention" {
		t.Errorf("template lifecycle %v (%v)", tmpl.Template.Settings.Index.Lifecycle, err)
	}
	if got := f.bodies["PUT /dmarc-aggregate-*,dmarc-failure-*,dmarc-smtp-tls-*/_settings"]; got != `{"index":{"lifecycle":{"name":"dmarc-retention"}}}` {
		t.Errorf("existing indices' settings %q (requests %v)", got, f.requests)
	}
}

// The minimal Elasticsearch distribution has no ILM: no lifecycle setting
// in the templates (the node would refuse it), and the agent deletes.
func TestSetupElasticsearchWithoutILM(t *testing.T) {
	f, url := newESFake(t, false)
	cfg := testConfig(url)
	cfg.RetentionBy = RetentionByCluster
	o := newTestOutput(t, cfg, nil)
	rep, err := o.Setup(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Policy != "" || !rep.AgentManaged || !strings.HasPrefix(rep.PolicySkipped, "the cluster has neither ISM nor ILM;") {
		t.Fatalf("report %+v", rep)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if b := f.bodies["PUT /_index_template/dmarc-aggregate"]; b == "" || strings.Contains(b, "lifecycle") {
		t.Errorf("template %s", b)
	}
	for _, r := range f.requests {
		if strings.Contains(r, "_ism") || strings.Contains(r, "_cat/plugins") {
			t.Errorf("asked an Elasticsearch node for ISM: %s", r)
		}
	}
}

// Templates the output installs itself before a write (missing or older
// ones) keep naming the ILM policy when retention_by is cluster.
func TestEnsureTemplatesKeepsILM(t *testing.T) {
	f, url := newESFake(t, true)
	cfg := testConfig(url)
	cfg.RetentionBy = RetentionByCluster
	o := newTestOutput(t, cfg, nil)
	if err := o.EnsureTemplates(t.Context()); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if got := f.bodies["PUT /_ilm/policy/dmarc-retention"]; !strings.Contains(got, `"min_age":"400d"`) {
		t.Errorf("policy body %q (requests %v)", got, f.requests)
	}
	for _, k := range []string{"aggregate", "failure", "smtp-tls"} {
		if b := f.bodies["PUT /_index_template/dmarc-"+k]; !strings.Contains(b, `"lifecycle":{"name":"dmarc-retention"}`) {
			t.Errorf("template %s: %s", k, b)
		}
	}
}

func last(lines []string) string { return lines[len(lines)-1] }
