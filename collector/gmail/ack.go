package gmail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"google.golang.org/api/gmail/v1"
)

// maxBatchModify is Gmail's limit of ids per batchModify call.
const maxBatchModify = 1000

// change is one label modification shared by many messages.
type change struct {
	add, remove string // comma-joined label ids
}

// labeller groups label changes into batchModify calls: flushed when a
// group reaches 1000 ids, after a short delay, and at the end of each pass.
type labeller struct {
	svc   *gmail.Service
	user  string
	delay time.Duration
	log   *slog.Logger

	mu      sync.Mutex
	pending map[change][]string
	timer   *time.Timer
	closed  bool
	timers  sync.WaitGroup // timer flushes scheduled or running

	flushMu sync.Mutex // one batchModify sequence at a time
}

func newLabeller(svc *gmail.Service, user string, delay time.Duration, log *slog.Logger) *labeller {
	return &labeller{svc: svc, user: user, delay: delay, log: log, pending: map[change][]string{}}
}

// add queues a change for one message.
func (l *labeller) add(ctx context.Context, id string, add, remove []string) error {
	if len(add) == 0 && len(remove) == 0 {
		return nil
	}
	c := change{add: strings.Join(add, ","), remove: strings.Join(remove, ",")}
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return errors.New("gmail pass already ended; the message will be delivered again")
	}
	l.pending[c] = append(l.pending[c], id)
	full := len(l.pending[c]) >= maxBatchModify
	if l.timer == nil && !full {
		l.timers.Add(1)
		l.timer = time.AfterFunc(l.delay, func() { defer l.timers.Done(); l.timed() })
	}
	l.mu.Unlock()
	if full {
		return l.flush(ctx)
	}
	return nil
}

// timed flushes on the timer; a failure is kept for the end-of-pass flush,
// which tries the same ids again.
func (l *labeller) timed() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := l.flush(ctx); err != nil {
		l.log.Warn("gmail label update failed; retrying at the end of the pass", "err", err)
	}
}

// flush sends every pending change. Ids of a failed call go back to pending.
func (l *labeller) flush(ctx context.Context) error {
	l.flushMu.Lock()
	defer l.flushMu.Unlock()
	l.mu.Lock()
	l.stopTimer()
	work := l.pending
	l.pending = map[change][]string{}
	l.mu.Unlock()

	keys := make([]change, 0, len(work))
	for c := range work {
		keys = append(keys, c)
	}
	slices.SortFunc(keys, func(a, b change) int { return strings.Compare(a.add+"|"+a.remove, b.add+"|"+b.remove) })
	var errs []error
	for _, c := range keys {
		ids := work[c]
		for len(ids) > 0 {
			n := min(len(ids), maxBatchModify)
			req := &gmail.BatchModifyMessagesRequest{Ids: ids[:n], AddLabelIds: split(c.add), RemoveLabelIds: split(c.remove)}
			if err := l.svc.Users.Messages.BatchModify(l.user, req).Context(ctx).Do(); err != nil {
				errs = append(errs, fmt.Errorf("labelling %d gmail messages: %w", len(ids), err))
				l.mu.Lock()
				l.pending[c] = append(l.pending[c], ids...)
				l.mu.Unlock()
				break
			}
			ids = ids[n:]
		}
	}
	return errors.Join(errs...)
}

// close stops taking changes; later acks are refused (the message is then
// delivered again next time, which deterministic ids make harmless).
func (l *labeller) close() {
	l.mu.Lock()
	l.closed = true
	l.stopTimer()
	l.mu.Unlock()
	l.timers.Wait()
}

// stopTimer cancels a scheduled flush; l.mu is held.
func (l *labeller) stopTimer() {
	if l.timer != nil {
		if l.timer.Stop() {
			l.timers.Done()
		}
		l.timer = nil
	}
}

func split(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}
