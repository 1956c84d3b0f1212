package cli

import (
	"net/http"
	"slices"
	"testing"

	"github.com/dmarc-agent/dmarc-agent/internal/testcluster"
	"github.com/dmarc-agent/dmarc-agent/mapping"
)

// TestSetupOnCluster runs `dmarc-agent setup` twice on every configured
// engine: the templates are accepted as they are, re-running is safe, and
// an index created afterwards gets the strict mapping.
func TestSetupOnCluster(t *testing.T) {
	testcluster.Run(t, func(t *testing.T, c testcluster.Cluster) {
		prefix := testcluster.Prefix(t, c.URL)
		env := []string{"DMARC_AGENT_INDEX__PREFIX=" + prefix, "DMARC_AGENT_OUTPUT__OPENSEARCH__TEMPLATE__REPLICAS=0"}
		var want string
		var wantNames []string
		for _, k := range mapping.Kinds() {
			want += "index template " + mapping.TemplateName(prefix, k) + ": installed\n"
			wantNames = append(wantNames, mapping.TemplateName(prefix, k))
		}
		want += "index template " + prefix + "-dead-letter: installed\n"
		wantNames = append(wantNames, prefix+"-dead-letter")
		slices.Sort(wantNames)
		want += "retention: managed by dmarc-agent: indices whose month ended 400 days ago are deleted daily by `dmarc-agent run`, or by `dmarc-agent retention`\n"
		for run := range 2 {
			code, stdout, stderr := runCLI(t, env, "setup", "--opensearch", c.URL)
			if code != ExitOK || stdout != want {
				t.Fatalf("run %d: exit %d\nstdout:\n%s\nwant:\n%s\nstderr: %s", run, code, stdout, want, stderr)
			}
		}
		tm := testcluster.Do(t, c.URL, http.MethodGet, "/_index_template/"+prefix+"-*", "")
		var names []string
		for _, it := range tm["index_templates"].([]any) {
			names = append(names, it.(map[string]any)["name"].(string))
		}
		slices.Sort(names)
		if !slices.Equal(names, wantNames) {
			t.Fatalf("templates on the node %v, want %v", names, wantNames)
		}
		idx := prefix + "-smtp-tls-2026.11"
		testcluster.Do(t, c.URL, http.MethodPut, "/"+idx, "")
		m := testcluster.Do(t, c.URL, http.MethodGet, "/"+idx+"/_mapping", "")
		if d := m[idx].(map[string]any)["mappings"].(map[string]any)["dynamic"]; d != "strict" {
			t.Errorf("%s dynamic = %v, want strict", idx, d)
		}
	})
}
