package opensearch

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Engine names what the output writes to.
const (
	EngineOpenSearch    = "opensearch"
	EngineElasticsearch = "elasticsearch"
)

// Engine is the search engine and version of the cluster.
type Engine struct {
	Name    string // EngineOpenSearch or EngineElasticsearch
	Version string // e.g. "3.6.0", "9.2.0"
}

func (e Engine) String() string { return e.Name + " " + e.Version }

// engineState caches the first successful detection, and what Setup found
// the cluster to offer.
type engineState struct {
	mu    sync.Mutex
	known *Engine
	info  *prometheus.GaugeVec
	// ilmPolicy is the ILM policy the templates name, "" for none.
	ilmPolicy string
}

func newEngineMetric(reg prometheus.Registerer) *prometheus.GaugeVec {
	return promauto.With(reg).NewGaugeVec(prometheus.GaugeOpts{
		Name: "dmarc_agent_output_engine_info",
		Help: "The search engine and version the output writes to (1 once detected).",
	}, []string{"engine", "version"})
}

// Engine returns the cluster's engine and version. The first success is
// logged, exposed as dmarc_agent_output_engine_info and kept; until then
// every call asks the cluster.
func (o *Output) Engine(ctx context.Context) (Engine, error) {
	o.engine.mu.Lock()
	defer o.engine.mu.Unlock()
	if o.engine.known != nil {
		return *o.engine.known, nil
	}
	e, err := o.detect(ctx)
	if err != nil {
		return Engine{}, err
	}
	o.rememberLocked(e)
	return e, nil
}

// rememberLocked keeps the first engine detected; engine.mu is held.
func (o *Output) rememberLocked(e Engine) {
	if o.engine.known != nil {
		return
	}
	o.engine.known = &e
	o.engine.info.WithLabelValues(e.Name, e.Version).Set(1)
	o.logger.Info("cluster detected", "engine", e.Name, "version", e.Version)
}

// Ready says why writes do not go through: documents waiting to be sent
// again after a transient fault (a write block, 429s, 5xx), or a cluster
// that does not answer GET / (or, where that is refused, as on the minimal
// Elasticsearch distribution, GET /_nodes/_local).
func (o *Output) Ready(ctx context.Context) error {
	if err := o.faults.notReady(); err != nil {
		return err
	}
	e, rootOK, err := o.probe(ctx)
	if err != nil {
		if rootOK { // GET / answered 200, without a version: reachable
			return nil
		}
		return fmt.Errorf("cluster not ready: %w", err)
	}
	o.engine.mu.Lock()
	o.rememberLocked(e)
	o.engine.mu.Unlock()
	return nil
}

// detect asks GET / first. The minimal Elasticsearch distribution answers
// it with 405, and some managed services refuse it; then it asks
// GET /_nodes/_local, and the X-Elastic-Product header (Elasticsearch 7.14
// and later) tells the engines apart.
func (o *Output) detect(ctx context.Context) (Engine, error) {
	e, _, err := o.probe(ctx)
	return e, err
}

// probe is detect; rootOK says GET / answered 200.
func (o *Output) probe(ctx context.Context) (e Engine, rootOK bool, err error) {
	res, err := o.do(ctx, http.MethodGet, "/", nil)
	if err != nil {
		return Engine{}, false, fmt.Errorf("detecting the cluster: %w", err)
	}
	rootOK = res.status == http.StatusOK
	if rootOK {
		var root struct {
			Version struct {
				Number       string `json:"number"`
				Distribution string `json:"distribution"`
			} `json:"version"`
		}
		if err := json.Unmarshal(res.body, &root); err == nil && root.Version.Number != "" {
			return engineOf(res, root.Version.Distribution, root.Version.Number), true, nil
		}
	}
	first := res
	res, err = o.do(ctx, http.MethodGet, "/_nodes/_local?filter_path=nodes.*.version", nil)
	if err != nil {
		return Engine{}, rootOK, fmt.Errorf("detecting the cluster: %w", err)
	}
	if res.status != http.StatusOK {
		return Engine{}, rootOK, fmt.Errorf("detecting the cluster: GET / %s; GET /_nodes/_local %s", first.errorText(), res.errorText())
	}
	var nodes struct {
		Nodes map[string]struct {
			Version string `json:"version"`
		} `json:"nodes"`
	}
	if err := json.Unmarshal(res.body, &nodes); err != nil {
		return Engine{}, rootOK, fmt.Errorf("detecting the cluster: reading GET /_nodes/_local: %w", err)
	}
	for _, n := range nodes.Nodes {
		if n.Version != "" {
			return engineOf(res, "", n.Version), rootOK, nil
		}
	}
	return Engine{}, rootOK, fmt.Errorf("detecting the cluster: GET /_nodes/_local names no version: %s", res.errorText())
}

// engineOf names the engine from an answer: OpenSearch says
// "distribution":"opensearch" in GET /, Elasticsearch sends X-Elastic-Product.
func engineOf(res response, distribution, version string) Engine {
	if distribution == EngineOpenSearch || res.header.Get("X-Elastic-Product") == "" {
		return Engine{Name: EngineOpenSearch, Version: version}
	}
	return Engine{Name: EngineElasticsearch, Version: version}
}
