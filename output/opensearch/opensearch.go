// Package opensearch is the OpenSearch output: it installs the index
// templates and retention policy, and writes documents with bulk requests,
// reading every item's result, retrying transient faults with backoff and
// acknowledging a Write only when each of its documents is accounted for.
package opensearch

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/opensearch-project/opensearch-go/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/dmarc-agent/dmarc-agent/output"
)

// ErrClosed is returned by Write after Close.
var ErrClosed = errors.New("opensearch output closed")

// Output writes documents to OpenSearch. It implements output.Output.
type Output struct {
	cfg     Config
	prefix  string
	action  string // create, or index in reindex mode
	logger  *slog.Logger
	client  *opensearch.Client
	metrics *metrics

	items   chan *item
	batches chan *batch
	box     *retryBox
	workers sync.WaitGroup

	faults    faults
	retryingN atomic.Int64 // documents waiting to be sent again
	// bodyCap is the largest bulk body the cluster (or a proxy before it)
	// has not refused as too large since a 413; 0 until one. It lowers
	// batch_bytes for every later request.
	bodyCap atomic.Int64

	mu        sync.RWMutex // held for reading while a Write hands over a document
	closed    bool
	quit      chan struct{} // closed first by Close: Writes stop handing over
	stop      chan struct{} // closed when no Write can hand over any more
	life      context.Context
	cancel    context.CancelFunc
	closeOnce sync.Once
	closeErr  error

	tmplMu sync.Mutex
	tmplOK bool

	engine engineState
}

var _ output.Streaming = (*Output)(nil)

// DrainsAtOnce implements output.Streaming: Writes need no order, and each
// is sent as soon as its documents are handed over.
func (*Output) DrainsAtOnce() {}

// New builds the output from cfg and starts its workers. It does not contact
// the cluster: templates are installed before the first bulk request (or by
// Setup). prefix is the index prefix (mapping.DefaultPrefix when empty).
// Metrics are registered on reg when it is not nil.
func New(ctx context.Context, cfg Config, prefix string, logger *slog.Logger, reg prometheus.Registerer) (*Output, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if !cfg.Enabled() {
		return nil, errors.New("output.opensearch.urls: no URL configured")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	client, err := newClient(ctx, cfg)
	if err != nil {
		return nil, err
	}
	m := newMetrics(reg)
	info := newEngineMetric(reg)
	o := &Output{
		cfg:     cfg,
		prefix:  prefix,
		action:  "create",
		logger:  logger.With("component", "opensearch"),
		client:  client,
		metrics: m,
		engine:  engineState{info: info},
		items:   make(chan *item, 256),
		batches: make(chan *batch),
		box:     newRetryBox(),
		quit:    make(chan struct{}),
		stop:    make(chan struct{}),
	}
	if cfg.Reindex {
		o.action = "index"
	}
	o.faults.o = o
	o.life, o.cancel = context.WithCancel(context.Background())
	go o.batchLoop()
	o.workers.Add(cfg.Workers)
	for range cfg.Workers {
		go o.worker()
	}
	return o, nil
}

// Write hands docs to the bulk workers and returns once each is acknowledged
// (see output.Output). Documents of concurrent Writes may share requests.
func (o *Output) Write(ctx context.Context, docs iter.Seq2[output.Doc, error]) (output.Result, error) {
	c := newCall(ctx)
	// A Write that ends early lets the batcher drop its parked documents.
	stopPoke := context.AfterFunc(ctx, o.box.poke)
	defer stopPoke()
	var stopErr error
	for d, err := range docs {
		if err != nil {
			stopErr = err
			break
		}
		it, reason := prepare(d)
		it.call = c
		c.add()
		if reason != "" {
			// Refused before sending: kept in the dead-letter index too.
			o.toDeadLetter(it, reason, 0, "invalid_document")
		}
		if err := o.handOver(ctx, it); err != nil {
			o.finish(it, outRetry, err)
			stopErr = err
			break
		}
	}
	if stopErr == nil {
		// Send what this Write left in the batcher now, not after
		// FlushInterval. Best effort: the documents are already handed over.
		_ = o.handOver(ctx, &item{})
	}
	c.seal()
	select {
	case <-c.done:
	case <-ctx.Done():
		res, _, _ := c.snapshot()
		return res, fmt.Errorf("writing to OpenSearch: %w", ctx.Err())
	}
	res, lost, err := c.snapshot()
	if stopErr != nil {
		return res, stopErr
	}
	if err != nil {
		return res, fmt.Errorf("%d documents not written: %w", lost, err)
	}
	return res, nil
}

func (o *Output) metricsRetrying() int64 { return o.retryingN.Load() }

// prepare checks a document and returns its item, or why it cannot be sent.
func prepare(d output.Doc) (*item, string) {
	if d.Index == "" || d.ID == "" {
		return &item{doc: d}, "document without index or id"
	}
	body := d.Body
	if bytes.IndexByte(body, '\n') >= 0 || bytes.IndexByte(body, '\r') >= 0 {
		var b bytes.Buffer
		if err := json.Compact(&b, body); err != nil {
			return &item{doc: d}, "document is not valid JSON: " + err.Error()
		}
		body = b.Bytes()
	}
	d.Body = body
	// action line: {"create":{"_index":"","_id":""}}\n plus the body line.
	return &item{doc: d, size: 40 + len(d.Index) + len(d.ID) + len(body)}, ""
}

// handOver queues it for the batcher, or fails when ctx ends or the output closes.
func (o *Output) handOver(ctx context.Context, it *item) error {
	o.mu.RLock()
	defer o.mu.RUnlock()
	if o.closed {
		return ErrClosed
	}
	select {
	case o.items <- it:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("writing to OpenSearch: %w", ctx.Err())
	case <-o.quit:
		return ErrClosed
	}
}

// Close stops taking documents, sends what is queued and waits for the
// workers until ctx ends; then it abandons the retries still running (their
// Writes return an error). Safe to call twice.
func (o *Output) Close(ctx context.Context) error {
	o.closeOnce.Do(func() {
		close(o.quit)
		o.mu.Lock()
		o.closed = true
		o.mu.Unlock()
		close(o.stop)
		done := make(chan struct{})
		go func() { o.workers.Wait(); close(done) }()
		select {
		case <-done:
		case <-ctx.Done():
			o.closeErr = fmt.Errorf("closing opensearch output: %w", ctx.Err())
			o.cancel()
			<-done
		}
		o.cancel()
		o.client.Close()
	})
	return o.closeErr
}
