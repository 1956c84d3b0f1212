// Package imap reads report mail from an IMAP mailbox and hands each message
// to the pipeline.
//
// A pass selects the mailbox, searches the UIDs above the saved cursor (plus
// the ones to retry) that carry neither the processed nor the failed flag,
// reads their metadata in small UID FETCH batches and sends one message at a
// time; bodies are fetched one message at a time when the pipeline opens
// them. Flags, moves and deletes happen only inside Ack, grouped into UID
// STORE / UID MOVE / UID EXPUNGE commands, and the cursor (UIDVALIDITY and
// the highest examined UID) is saved atomically only once every message of
// the pass has been acknowledged. Between passes the source waits in IDLE
// when the server offers it, or sleeps poll_interval; a dropped connection
// is reopened with backoff. A changed UIDVALIDITY reads the whole selection
// again; the documents' content ids make that harmless.
package imap

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/dmarc-agent/dmarc-agent/collector"
	"github.com/dmarc-agent/dmarc-agent/internal/health"
	"github.com/dmarc-agent/dmarc-agent/internal/retry"
	"github.com/dmarc-agent/dmarc-agent/internal/tlsconf"
)

// Source is the IMAP collector. It implements collector.Source.
type Source struct {
	cfg     Config
	log     *slog.Logger
	metrics *metrics
	tls     *tls.Config
	mailbox string // identifies the mailbox a saved cursor belongs to
	acks    *acker
	fault   *health.Fault // the state file cannot be moved aside or written
}

var _ collector.Source = (*Source)(nil)

// New builds a Source from a validated configuration; it reads the CA and
// password files but does not connect. reg may be nil.
func New(cfg Config, logger *slog.Logger, reg prometheus.Registerer) (*Source, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if _, err := cfg.password(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	tc, err := tlsconf.Client(cfg.CAFile, false, "sources.imap.ca_file")
	if err != nil {
		return nil, err
	}
	host := cfg.Host
	tc.ServerName = host
	s := &Source{
		cfg:     cfg,
		log:     logger.With("component", "imap"),
		metrics: newMetrics(reg),
		tls:     tc,
		mailbox: cfg.Username + "@" + cfg.address() + "/" + cfg.Mailbox,
		fault:   health.NewFault("imap_state", reg),
	}
	s.acks = newAcker(s)
	return s, nil
}

// Name implements collector.Source.
func (s *Source) Name() string { return "imap" }

// Fault describes a current internal fault (the state file cannot be
// written or a damaged one moved aside), nil if there is none. Readiness
// reports it.
func (s *Source) Fault() error { return s.fault.Err() }

// Run implements collector.Source. In once mode it makes one pass (tried
// again after a connection fault, up to retry.max_attempts) and returns;
// otherwise it passes, waits in IDLE or sleeps, and passes again until ctx
// ends, reconnecting with backoff.
func (s *Source) Run(ctx context.Context, out chan<- collector.Message, once bool) error {
	var ss *session
	defer func() {
		if ss != nil {
			ss.close()
		}
	}()
	failures := 0
	for {
		var err error
		if ss == nil {
			ss, err = s.connect(ctx)
		}
		if err == nil {
			err = s.pass(ctx, out, ss)
		}
		if ctx.Err() != nil {
			if once {
				return ctx.Err()
			}
			return nil
		}
		if err != nil {
			if ss != nil {
				ss.close()
				ss = nil
			}
			failures++
			if once && failures >= s.cfg.Retry.MaxAttempts {
				return err
			}
			d := retry.Backoff(s.cfg.Retry.InitialInterval, s.cfg.Retry.MaxInterval, failures-1) // jittered: clients of one server do not retry in step
			s.log.Warn("imap pass failed; reconnecting", "err", err, "after", d.Round(time.Millisecond), "failures", failures)
			if err := sleep(ctx, d); err != nil {
				if once {
					return err
				}
				return nil
			}
			continue
		}
		failures = 0
		if once {
			return nil
		}
		if err := s.wait(ctx, ss); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			s.log.Warn("imap connection lost while waiting; reconnecting", "err", err)
			ss.close()
			ss = nil
		}
	}
}

// wait returns when the next pass is due: new mail announced in IDLE, the
// IDLE restart or poll interval elapsed, or (without IDLE) poll_interval.
func (s *Source) wait(ctx context.Context, ss *session) error {
	select {
	case <-ss.newMail: // arrived during the pass
		s.metrics.idleWakeups.Inc()
		return nil
	default:
	}
	if !s.cfg.IDLE || !(ss.c.Caps().Has(imap.CapIdle) || ss.c.Caps().Has(imap.CapIMAP4rev2)) {
		return s.poll(ctx, ss)
	}
	idle, err := ss.c.Idle()
	if err != nil {
		return err
	}
	s.log.Debug("imap idling", "mailbox", s.cfg.Mailbox)
	t := time.NewTimer(min(s.cfg.PollInterval, s.cfg.IdleRestart))
	defer t.Stop()
	select {
	case <-ss.newMail:
		s.metrics.idleWakeups.Inc()
	case <-t.C:
	case <-ctx.Done():
	case <-ss.c.Closed():
	}
	if err := idle.Close(); err != nil {
		return err
	}
	return idle.Wait()
}

// poll waits poll_interval without IDLE. A NOOP every idle_restart keeps
// the connection from the server's inactivity timeout; if its answer
// announces new mail, the next pass starts at once.
func (s *Source) poll(ctx context.Context, ss *session) error {
	t := time.NewTimer(s.cfg.PollInterval)
	defer t.Stop()
	keep := time.NewTicker(s.cfg.IdleRestart)
	defer keep.Stop()
	for {
		select {
		case <-t.C:
			return nil
		case <-ss.newMail:
			return nil
		case <-keep.C:
			if err := ss.c.Noop().Wait(); err != nil {
				return fmt.Errorf("keeping the imap connection open: %w", err)
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
