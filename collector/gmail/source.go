// Package gmail reads report mail from a Gmail or Google Workspace mailbox
// through the Gmail API and hands each message to the pipeline.
//
// A pass lists the selection (first run, expired history, reprocessing) or
// reads users.history.list from the saved cursor, fetches each selected
// message (format=raw, or format=full with attachments.get for big ones) and
// sends it. Labels are added only inside Ack, in batchModify groups, and the
// cursor is saved only once every message of the pass has been acknowledged;
// messages that failed transiently are kept in the state file and delivered
// again by the next pass. Nothing is deleted; marking read and archiving
// happen only when configured.
package gmail

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/api/gmail/v1"
	"google.golang.org/api/option"

	"github.com/dmarc-agent/dmarc-agent/collector"
	"github.com/dmarc-agent/dmarc-agent/internal/health"
)

// Options change what a Source selects; the zero value is the normal agent.
type Options struct {
	// Since, when set, reprocesses: one pass over every selected message
	// received after Since, processed and failed mail included, without
	// reading or writing the history cursor. Delivered messages still get
	// the processed label. For `ingest --gmail --since DATE`.
	Since time.Time
	// Transport is the base HTTP transport under retries and
	// authentication; nil means a clone of http.DefaultTransport.
	Transport http.RoundTripper
}

// Source is the Gmail collector. It implements collector.Source.
type Source struct {
	cfg     Config
	opts    Options
	log     *slog.Logger
	metrics *metrics
	svc     *gmail.Service
	base    http.RoundTripper
	sem     chan struct{} // bounds concurrent per-message API calls
	mailbox string        // identifies the mailbox a saved cursor belongs to
	fault   *health.Fault // the state file cannot be written
}

var _ collector.Source = (*Source)(nil)

// New builds a Source from a validated configuration. It reads the
// credentials and token but makes no API call; reg may be nil.
func New(ctx context.Context, cfg Config, opts Options, logger *slog.Logger, reg prometheus.Registerer) (*Source, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	log := logger.With("component", "gmail")
	base := opts.Transport
	if base == nil {
		base = http.DefaultTransport.(*http.Transport).Clone()
	}
	m := newMetrics(reg)
	hc, err := newHTTPClient(ctx, cfg, base, m, log)
	if err != nil {
		return nil, err
	}
	// The library's own request logging (GOOGLE_SDK_GO_LOGGING_LEVEL) is
	// switched off: it could print bodies that carry mail.
	svc, err := gmail.NewService(ctx, option.WithEndpoint(cfg.Endpoint), option.WithHTTPClient(hc),
		option.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		return nil, fmt.Errorf("creating gmail client: %w", err)
	}
	user := cfg.User
	if cfg.Auth == "service_account" && user == "me" {
		user = cfg.Subject
	}
	return &Source{
		cfg:     cfg,
		opts:    opts,
		log:     log,
		metrics: m,
		svc:     svc,
		base:    base,
		sem:     make(chan struct{}, cfg.Concurrency),
		mailbox: cfg.Endpoint + " " + user,
		fault:   health.NewFault("gmail_state", reg),
	}, nil
}

// Name implements collector.Source.
func (s *Source) Name() string { return "gmail" }

// Fault describes a current internal fault (the state file cannot be
// written), nil if there is none. Readiness reports it.
func (s *Source) Fault() error { return s.fault.Err() }

// Run implements collector.Source. In once mode (and always when
// reprocessing) it makes one pass and returns its error; otherwise it polls
// every poll_interval until ctx ends, logging failed passes.
func (s *Source) Run(ctx context.Context, out chan<- collector.Message, once bool) error {
	defer s.closeIdle()
	if once || !s.opts.Since.IsZero() {
		return s.pass(ctx, out)
	}
	for {
		if err := s.pass(ctx, out); err != nil && ctx.Err() == nil {
			s.log.Error("gmail pass failed; trying again at the next poll", "err", err)
		}
		if err := sleep(ctx, s.cfg.PollInterval); err != nil {
			return nil
		}
	}
}

func (s *Source) closeIdle() {
	if c, ok := s.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

func (s *Source) acquire(ctx context.Context) error {
	select {
	case s.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Source) release() { <-s.sem }
