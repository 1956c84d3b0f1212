package testcluster

import (
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
)

// Engine names, as output/opensearch detects them.
const (
	OpenSearch    = "opensearch"
	Elasticsearch = "elasticsearch"
)

// Cluster is one real node a test runs against.
type Cluster struct {
	URL     string // without a trailing slash
	Engine  string // OpenSearch or Elasticsearch
	Version string // as the node reports it, e.g. "9.2.0"
}

// Name is the subtest name: engine-version.
func (c Cluster) Name() string { return c.Engine + "-" + c.Version }

// Script is the dev script that runs nodes of this engine, from
// OPENSEARCH_DEV_SCRIPT / ELASTICSEARCH_DEV_SCRIPT, or else found from the
// test's directory.
func (c Cluster) Script() string {
	env, name := "OPENSEARCH_DEV_SCRIPT", "opensearch-dev.sh"
	if c.Engine == Elasticsearch {
		env, name = "ELASTICSEARCH_DEV_SCRIPT", "elasticsearch-dev.sh"
	}
	if p := os.Getenv(env); p != "" {
		return p
	}
	return scriptPath(name)
}

var (
	probeMu sync.Mutex
	probed  = map[string]Cluster{}
)

// Clusters returns every configured node: OPENSEARCH_URL, then each URL of
// ELASTICSEARCH_URL (comma-separated, for example an 8.x and a 9.x node).
// Without any it skips the test. DMARC_AGENT_REQUIRE_OPENSEARCH=1 makes a
// missing OPENSEARCH_URL a failure, DMARC_AGENT_REQUIRE_ELASTICSEARCH=1 a
// missing ELASTICSEARCH_URL. A configured node that does not answer fails.
func Clusters(tb testing.TB) []Cluster {
	tb.Helper()
	var urls []string
	if u := os.Getenv("OPENSEARCH_URL"); u != "" {
		urls = append(urls, u)
	} else if os.Getenv("DMARC_AGENT_REQUIRE_OPENSEARCH") == "1" {
		tb.Fatal("OPENSEARCH_URL is not set and DMARC_AGENT_REQUIRE_OPENSEARCH=1: start a node with scripts/opensearch-dev.sh start")
	}
	var es []string
	for u := range strings.SplitSeq(os.Getenv("ELASTICSEARCH_URL"), ",") {
		if u = strings.TrimSpace(u); u != "" {
			es = append(es, u)
		}
	}
	if len(es) == 0 && os.Getenv("DMARC_AGENT_REQUIRE_ELASTICSEARCH") == "1" {
		tb.Fatal("ELASTICSEARCH_URL is not set and DMARC_AGENT_REQUIRE_ELASTICSEARCH=1: start a node with scripts/elasticsearch-dev.sh start")
	}
	urls = append(urls, es...)
	if len(urls) == 0 {
		tb.Skip("integration test: set OPENSEARCH_URL and/or ELASTICSEARCH_URL (scripts/opensearch-dev.sh / elasticsearch-dev.sh start print them)")
	}
	out := make([]Cluster, 0, len(urls))
	for _, u := range urls {
		out = append(out, probe(tb, strings.TrimRight(u, "/")))
	}
	return out
}

// Run runs f as a subtest on every configured node (see Clusters).
func Run(t *testing.T, f func(t *testing.T, c Cluster)) {
	t.Helper()
	for _, c := range Clusters(t) {
		t.Run(c.Name(), func(t *testing.T) { f(t, c) })
	}
}

// probe asks a node what it is, once per process: GET / (405 on the minimal
// Elasticsearch distribution), then GET /_nodes/_local; X-Elastic-Product
// tells Elasticsearch apart.
func probe(tb testing.TB, base string) Cluster {
	tb.Helper()
	probeMu.Lock()
	defer probeMu.Unlock()
	if c, ok := probed[base]; ok {
		return c
	}
	c := Cluster{URL: base, Engine: OpenSearch}
	get := func(path string, v any) bool {
		res, err := http.Get(base + path)
		if err != nil {
			tb.Fatalf("GET %s%s: %v", base, path, err)
		}
		defer res.Body.Close()
		if res.Header.Get("X-Elastic-Product") != "" {
			c.Engine = Elasticsearch
		}
		return res.StatusCode == http.StatusOK && json.NewDecoder(res.Body).Decode(v) == nil
	}
	var root struct {
		Version struct {
			Number string `json:"number"`
		} `json:"version"`
	}
	var nodes struct {
		Nodes map[string]struct {
			Version string `json:"version"`
		} `json:"nodes"`
	}
	if get("/", &root) && root.Version.Number != "" {
		c.Version = root.Version.Number
	} else if get("/_nodes/_local?filter_path=nodes.*.version", &nodes) {
		for _, n := range nodes.Nodes {
			c.Version = n.Version
		}
	}
	if c.Version == "" {
		tb.Fatalf("%s: cannot tell which engine and version it runs", base)
	}
	probed[base] = c
	return c
}
