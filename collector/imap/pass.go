package imap

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/dmarc-agent/dmarc-agent/collector"
	"github.com/dmarc-agent/dmarc-agent/internal/statefile"
)

// pass makes one sync on a selected session: search, delivery, acks, cursor.
func (s *Source) pass(ctx context.Context, out chan<- collector.Message, ss *session) error {
	st, err := loadState(s.cfg.StateFile)
	switch {
	case errors.Is(err, statefile.ErrDamaged):
		// Start fresh: the whole selection is searched again; messages
		// flagged done or failed are skipped, the rest delivered again
		// (same document ids, no duplicates).
		aside, merr := statefile.MoveAside(s.cfg.StateFile)
		if merr != nil {
			s.fault.Set(merr)
			return fmt.Errorf("%v; %w", err, merr)
		}
		s.log.Error("imap state file damaged: moved aside, reading the whole selection again", "err", err, "moved_to", aside)
	case err != nil:
		s.log.Warn("imap state unreadable; reading the whole selection again", "err", err)
	}
	if err != nil {
		st = state{}
	}
	full := false
	if st.Mailbox != s.mailbox || st.UIDValidity != ss.validity {
		if st.Mailbox == s.mailbox && st.UIDValidity != 0 {
			s.log.Info("imap UIDVALIDITY changed; reading the whole selection again", "mailbox", s.cfg.Mailbox,
				"old", st.UIDValidity, "new", ss.validity)
		}
		st = state{Mailbox: s.mailbox, UIDValidity: ss.validity}
		full = true
		s.metrics.fullSyncs.Inc()
	}
	// Acks that a lost connection could not send go first, so that the
	// search below no longer finds those messages.
	if err := s.acks.resume(ss); err != nil {
		return err
	}
	uids, err := s.search(ss, st)
	if err != nil {
		return err
	}
	p := &passRun{s: s, ss: ss, waiting: collector.NewPendingAcks(), counts: map[string]int{}}
	retry, err := p.run(ctx, out, uids)
	if err != nil {
		return err
	}
	last := st.LastUID
	if ss.uidNext > 1 {
		last = max(last, ss.uidNext-1) // below UIDNEXT at selection: searched by the first pass of this session
	}
	if len(uids) > 0 {
		last = max(last, uids[len(uids)-1])
	}
	c := p.snapshot()
	level := slogLevel(c["delivered"]+c["rejected"]+c["retry"] > 0)
	s.log.Log(ctx, level, "imap pass done", "mailbox", s.cfg.Mailbox, "full_listing", full, "candidates", len(uids),
		"delivered", c["delivered"], "rejected", c["rejected"], "retry", c["retry"])
	if err := saveState(s.cfg.StateFile, state{Mailbox: s.mailbox, UIDValidity: ss.validity, LastUID: last, Retry: retry}); err != nil {
		// The cursor stays where it was: the next pass searches the same
		// UIDs again (flagged mail is skipped, the rest redelivered).
		err = fmt.Errorf("saving imap cursor: %w", err)
		s.fault.Set(err)
		return err
	}
	s.fault.Clear()
	return nil
}

// search returns, in ascending order, the UIDs above the cursor and those
// to retry that are neither deleted nor flagged done or failed and match
// the configured search.
func (s *Source) search(ss *session, st state) ([]imap.UID, error) {
	var set imap.UIDSet
	set.AddRange(st.LastUID+1, 0) // 0 is "*"
	set.AddNum(st.Retry...)
	crit := &imap.SearchCriteria{UID: []imap.UIDSet{set}, NotFlag: []imap.Flag{imap.FlagDeleted}}
	for _, f := range s.flags() {
		crit.NotFlag = append(crit.NotFlag, imap.Flag(f))
	}
	for _, h := range [][2]string{{"From", s.cfg.Search.From}, {"To", s.cfg.Search.To}, {"Subject", s.cfg.Search.Subject}} {
		if h[1] != "" {
			crit.Header = append(crit.Header, imap.SearchCriteriaHeaderField{Key: h[0], Value: h[1]})
		}
	}
	if s.cfg.Search.Since != "" {
		crit.Since, _ = time.Parse(time.DateOnly, s.cfg.Search.Since) // checked by Validate
	}
	data, err := ss.c.UIDSearch(crit, nil).Wait()
	if err != nil {
		return nil, fmt.Errorf("searching imap mailbox %q: %w", s.cfg.Mailbox, err)
	}
	// "N:*" matches the highest UID even when it is below N: keep only
	// UIDs above the cursor or listed for retry.
	uids := slices.DeleteFunc(data.AllUIDs(), func(u imap.UID) bool {
		return u <= st.LastUID && !slices.Contains(st.Retry, u)
	})
	slices.Sort(uids)
	return slices.Compact(uids), nil
}

// passRun delivers the messages of one pass and collects their acks.
type passRun struct {
	s  *Source
	ss *session

	waiting *collector.PendingAcks // the messages sent and not yet acknowledged
	mu      sync.Mutex
	retry   []imap.UID
	counts  map[string]int
}

// run sends every message, waits for every ack, flushes the acks and
// returns the UIDs to retry. An error means the cursor must not move.
func (p *passRun) run(ctx context.Context, out chan<- collector.Message, uids []imap.UID) ([]imap.UID, error) {
	stopTicker := p.s.acks.tick(p.ss)
	var sendErr error
	for i := 0; i < len(uids) && sendErr == nil; i += p.s.cfg.FetchBatch {
		sendErr = p.sendBatch(ctx, out, uids[i:min(i+p.s.cfg.FetchBatch, len(uids))])
	}
	p.waiting.Close()
	if ctx.Err() == nil {
		select { // even after a failed batch: ack what was sent and delivered
		case <-p.waiting.All():
		case <-ctx.Done():
		}
	}
	stopTicker()
	if err := ctx.Err(); err != nil {
		return nil, err // the acks flushed so far stay; the rest comes again
	}
	if err := p.s.acks.flush(p.ss); err != nil {
		return nil, err
	}
	if sendErr != nil {
		return nil, sendErr
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.retry), nil
}

// sendBatch reads the metadata of a batch of UIDs and sends each message.
func (p *passRun) sendBatch(ctx context.Context, out chan<- collector.Message, uids []imap.UID) error {
	msgs, err := p.ss.c.Fetch(imap.UIDSetNum(uids...), &imap.FetchOptions{
		UID: true, InternalDate: true, RFC822Size: true, Envelope: true,
	}).Collect()
	if err != nil {
		return fmt.Errorf("fetching imap message metadata: %w", err)
	}
	slices.SortFunc(msgs, func(a, b *imapclient.FetchMessageBuffer) int { return int(a.UID) - int(b.UID) })
	for _, m := range msgs {
		if m.UID == 0 { // gone meanwhile (expunged by another client)
			continue
		}
		if err := p.send(ctx, out, m); err != nil {
			return err
		}
	}
	return nil
}

// send hands one message to the pipeline.
func (p *passRun) send(ctx context.Context, out chan<- collector.Message, m *imapclient.FetchMessageBuffer) error {
	uid, size, ss := m.UID, m.RFC822Size, p.ss
	var once sync.Once
	msg := collector.Message{
		Source:   "imap",
		ID:       fmt.Sprintf("%s:%d:%d", p.s.cfg.Mailbox, ss.validity, uid),
		Name:     fileName(m.Envelope, uid),
		Received: m.InternalDate.UTC(),
		Open: func(ctx context.Context) (io.ReadCloser, error) {
			return p.s.body(ctx, ss, uid, size)
		},
		Ack: func(ctx context.Context, o collector.Outcome) error {
			err := errors.New("imap: message acknowledged twice")
			once.Do(func() { err = p.ack(uid, o) })
			return err
		},
	}
	p.waiting.Add()
	select {
	case out <- msg:
		return nil
	case <-ctx.Done():
		p.waiting.Done()
		return ctx.Err()
	}
}

// ack records an outcome: the processed action for delivered mail, the
// failed action for mail without a report, a retry entry otherwise.
func (p *passRun) ack(uid imap.UID, o collector.Outcome) error {
	defer p.waiting.Done()
	switch {
	case o.Delivered():
		p.count("delivered")
		return p.s.acks.add(p.ss, ackDone, uid)
	case o.Rejected():
		p.count("rejected")
		reason := o.Reason
		if reason == "" {
			reason = o.Err.Error()
		}
		p.s.log.Warn("imap message holds no valid report", "mailbox", p.s.cfg.Mailbox, "uid", uid, "reason", reason)
		return p.s.acks.add(p.ss, ackFailed, uid)
	default:
		p.s.log.Debug("imap message not delivered; kept for retry", "uid", uid, "err", o.Err)
		p.count("retry")
		p.mu.Lock()
		p.retry = append(p.retry, uid)
		p.mu.Unlock()
		return nil
	}
}

func (p *passRun) count(outcome string) {
	p.s.metrics.messages.WithLabelValues(outcome).Inc()
	p.mu.Lock()
	p.counts[outcome]++
	p.mu.Unlock()
}

func (p *passRun) snapshot() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return maps.Clone(p.counts)
}

// fileName is a name hint built from the subject.
func fileName(env *imap.Envelope, uid imap.UID) string {
	subj := ""
	if env != nil {
		subj = env.Subject
	}
	clean := strings.TrimSpace(strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune(" .!_-", r):
			return r
		}
		return '_'
	}, subj))
	if len(clean) > 100 {
		clean = clean[:100]
	}
	if clean == "" {
		clean = fmt.Sprintf("imap-%d", uid)
	}
	return clean + ".eml"
}

func slogLevel(info bool) slog.Level {
	if info {
		return slog.LevelInfo
	}
	return slog.LevelDebug
}
