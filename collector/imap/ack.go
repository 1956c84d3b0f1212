package imap

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
)

// ackKind is what an acknowledged message gets.
type ackKind int

const (
	ackDone   ackKind = iota // delivered: after_delivery
	ackFailed                // no valid report: failed folder or flag
)

// acker groups the commands that follow acknowledgements: sent when
// ack_batch messages wait, every ack_flush_interval during a pass, and at
// the end of each pass. UIDs whose command failed stay pending, tagged with
// their UIDVALIDITY, and are sent first on the next connection to the same
// mailbox; if the UIDVALIDITY changed they are dropped (the messages are read
// again and their ids deduplicate them).
type acker struct {
	s *Source

	mu       sync.Mutex
	validity uint32
	pending  [2][]imap.UID

	flushMu sync.Mutex // one command sequence at a time
}

func newAcker(s *Source) *acker { return &acker{s: s} }

// add queues one message.
func (a *acker) add(ss *session, k ackKind, uid imap.UID) error {
	if k == ackFailed && a.s.cfg.FailedFolder == "" && a.s.cfg.FailedFlag == "" {
		return nil // configured to leave such mail as it is
	}
	a.mu.Lock()
	a.adopt(ss.validity)
	a.pending[k] = append(a.pending[k], uid)
	full := len(a.pending[ackDone])+len(a.pending[ackFailed]) >= a.s.cfg.AckBatch
	a.mu.Unlock()
	if full {
		return a.flush(ss)
	}
	return nil
}

// adopt drops pending UIDs of another UIDVALIDITY; a.mu is held.
func (a *acker) adopt(validity uint32) {
	if a.validity != validity {
		if n := len(a.pending[ackDone]) + len(a.pending[ackFailed]); n > 0 {
			a.s.log.Info("imap UIDVALIDITY changed; dropping unsent flag changes (those messages are read again)", "messages", n)
		}
		a.pending = [2][]imap.UID{}
		a.validity = validity
	}
}

// resume sends what an earlier connection left pending.
func (a *acker) resume(ss *session) error {
	a.mu.Lock()
	a.adopt(ss.validity)
	a.mu.Unlock()
	return a.flush(ss)
}

// tick flushes every ack_flush_interval until the returned stop is called.
func (a *acker) tick(ss *session) (stop func()) {
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(a.s.cfg.AckFlushInterval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				if err := a.flush(ss); err != nil {
					a.s.log.Warn("imap flag update failed; retrying at the end of the pass", "err", err)
				}
			case <-quit:
				return
			}
		}
	}()
	return func() { close(quit); <-done }
}

// flush sends every pending command. UIDs of a failed command go back.
func (a *acker) flush(ss *session) error {
	a.flushMu.Lock()
	defer a.flushMu.Unlock()
	a.mu.Lock()
	if a.validity != ss.validity {
		a.mu.Unlock()
		return nil
	}
	work := a.pending
	a.pending = [2][]imap.UID{}
	a.mu.Unlock()

	var errs []error
	for k, uids := range work {
		if len(uids) == 0 {
			continue
		}
		action, err := a.apply(ss, ackKind(k), imap.UIDSetNum(uids...))
		if err != nil {
			a.s.metrics.ackCommands.WithLabelValues(action, "error").Inc()
			errs = append(errs, fmt.Errorf("imap %s of %d messages: %w", action, len(uids), err))
			a.mu.Lock()
			if a.validity == ss.validity {
				a.pending[k] = append(a.pending[k], uids...)
			}
			a.mu.Unlock()
			continue
		}
		a.s.metrics.ackCommands.WithLabelValues(action, "ok").Inc()
	}
	return errors.Join(errs...)
}

// apply runs the command of one kind on a set of UIDs.
func (a *acker) apply(ss *session, k ackKind, set imap.UIDSet) (string, error) {
	cfg := a.s.cfg
	if k == ackFailed {
		if cfg.FailedFolder != "" {
			return "move", move(ss, set, cfg.FailedFolder)
		}
		return "flag", store(ss, set, imap.Flag(cfg.FailedFlag))
	}
	switch cfg.AfterDelivery {
	case "move":
		return "move", move(ss, set, cfg.ProcessedFolder)
	case "delete":
		if err := store(ss, set, imap.FlagDeleted); err != nil {
			return "delete", err
		}
		return "delete", ss.c.UIDExpunge(set).Close()
	default:
		return "flag", store(ss, set, imap.Flag(cfg.ProcessedFlag))
	}
}

func store(ss *session, set imap.UIDSet, f imap.Flag) error {
	return ss.c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{f}}, nil).Close()
}

func move(ss *session, set imap.UIDSet, folder string) error {
	_, err := ss.c.Move(set, folder).Wait()
	return err
}
