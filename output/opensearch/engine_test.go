package opensearch

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// engineFake answers GET / and GET /_nodes/_local as the given engines do.
func engineFake(t *testing.T, root func(w http.ResponseWriter), nodes func(w http.ResponseWriter)) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		switch r.URL.Path {
		case "/":
			root(w)
		case "/_nodes/_local":
			if r.URL.Query().Get("filter_path") != "nodes.*.version" {
				t.Errorf("nodes query %q", r.URL.RawQuery)
			}
			nodes(w)
		default:
			w.WriteHeader(400)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func TestEngineDetection(t *testing.T) {
	esNodes := func(w http.ResponseWriter) {
		w.Header().Set("X-Elastic-Product", "Elasticsearch")
		io.WriteString(w, `{"nodes":{"3htV3sK":{"version":"9.2.0"}}}`)
	}
	unused := func(w http.ResponseWriter) { t.Error("GET /_nodes/_local asked although GET / answered") }
	for _, tc := range []struct {
		name        string
		root, nodes func(w http.ResponseWriter)
		want        Engine
		wantErr     string
	}{
		{name: "opensearch root",
			root: func(w http.ResponseWriter) {
				io.WriteString(w, `{"version":{"distribution":"opensearch","number":"3.6.0"}}`)
			},
			nodes: unused, want: Engine{EngineOpenSearch, "3.6.0"}},
		{name: "opensearch in 7.10 compatibility mode",
			root: func(w http.ResponseWriter) {
				io.WriteString(w, `{"version":{"distribution":"opensearch","number":"7.10.2","minimum_wire_compatibility_version":"7.10.0"}}`)
			},
			nodes: unused, want: Engine{EngineOpenSearch, "7.10.2"}},
		{name: "elasticsearch root",
			root: func(w http.ResponseWriter) {
				w.Header().Set("X-Elastic-Product", "Elasticsearch")
				io.WriteString(w, `{"version":{"number":"8.17.0","build_flavor":"default"},"tagline":"You Know, for Search"}`)
			},
			nodes: unused, want: Engine{EngineElasticsearch, "8.17.0"}},
		{name: "minimal elasticsearch: GET / is 405",
			root: func(w http.ResponseWriter) {
				w.Header().Set("X-Elastic-Product", "Elasticsearch")
				w.WriteHeader(405)
				io.WriteString(w, `{"error":"Incorrect HTTP method for uri [/] and method [GET], allowed: [DELETE]","status":405}`)
			},
			nodes: esNodes, want: Engine{EngineElasticsearch, "9.2.0"}},
		{name: "root forbidden, opensearch nodes",
			root:  func(w http.ResponseWriter) { w.WriteHeader(403); io.WriteString(w, `{"error":"forbidden"}`) },
			nodes: func(w http.ResponseWriter) { io.WriteString(w, `{"nodes":{"a":{"version":"2.19.1"}}}`) },
			want:  Engine{EngineOpenSearch, "2.19.1"}},
		{name: "both refused",
			root:    func(w http.ResponseWriter) { w.WriteHeader(403); io.WriteString(w, `{"error":"forbidden"}`) },
			nodes:   func(w http.ResponseWriter) { w.WriteHeader(403); io.WriteString(w, `{"error":"no"}`) },
			wantErr: `detecting the cluster: GET / HTTP 403: {"error":"forbidden"}; GET /_nodes/_local HTTP 403: {"error":"no"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, calls := engineFake(t, tc.root, tc.nodes)
			reg := prometheus.NewRegistry()
			var logs bytes.Buffer
			o, err := New(t.Context(), testConfig(srv.URL), "dmarc", slog.New(slog.NewTextHandler(&logs, nil)), reg)
			if err != nil {
				t.Fatal(err)
			}
			defer o.Close(t.Context())
			got, err := o.Engine(t.Context())
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("Engine() error = %v, want %q", err, tc.wantErr)
				}
				if o.Ready(t.Context()) == nil {
					t.Error("Ready() = nil on a cluster that refuses both probes")
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("Engine() = %+v, %v; want %+v", got, err, tc.want)
			}
			n := calls.Load()
			if again, _ := o.Engine(t.Context()); again != tc.want || calls.Load() != n {
				t.Errorf("second Engine() = %+v after %d more requests, want the cached answer", again, calls.Load()-n)
			}
			if err := o.Ready(t.Context()); err != nil {
				t.Errorf("Ready() = %v", err)
			}
			if c := strings.Count(logs.String(), "cluster detected"); c != 1 {
				t.Errorf("logged %d times, want once:\n%s", c, logs.String())
			}
			if v := testutil.ToFloat64(o.engine.info.WithLabelValues(tc.want.Name, tc.want.Version)); v != 1 {
				t.Errorf("dmarc_agent_output_engine_info{engine=%q,version=%q} = %v, want 1", tc.want.Name, tc.want.Version, v)
			}
			if n, _ := testutil.GatherAndCount(reg, "dmarc_agent_output_engine_info"); n != 1 {
				t.Errorf("%d engine_info series, want 1", n)
			}
		})
	}
}
