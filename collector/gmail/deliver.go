package gmail

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"maps"
	"mime"
	"slices"
	"strings"
	"sync"
	"time"

	"google.golang.org/api/gmail/v1"

	"github.com/dmarc-agent/dmarc-agent/collector"
)

// chunk is how many candidates are examined before they are sent.
const chunk = 100

// passRun delivers the candidates of one pass and collects their acks.
type passRun struct {
	s         *Source
	lab       labelIDs
	reprocess bool
	labels    *labeller

	acks   *collector.PendingAcks // the messages sent and not yet acknowledged
	mu     sync.Mutex
	retry  []string
	counts map[string]int
}

func newPass(s *Source, lab labelIDs, reprocess bool) *passRun {
	return &passRun{
		s: s, lab: lab, reprocess: reprocess,
		labels: newLabeller(s.svc, s.cfg.User, s.cfg.AckFlushInterval, s.log),
		acks:   collector.NewPendingAcks(),
		counts: map[string]int{},
	}
}

// run sends every selected candidate, waits for every ack, flushes the
// labels and returns the ids to retry. An error means the cursor must not move.
func (p *passRun) run(ctx context.Context, out chan<- collector.Message, cands []candidate) ([]string, error) {
	defer p.labels.close()
	var sendErr error
	for i := 0; i < len(cands) && sendErr == nil; i += chunk {
		sendErr = p.sendChunk(ctx, out, cands[i:min(i+chunk, len(cands))])
	}
	p.acks.Close()
	if ctx.Err() == nil {
		select { // even after a failed chunk: label what was sent and delivered
		case <-p.acks.All():
		case <-ctx.Done():
		}
	}
	if err := ctx.Err(); err != nil {
		// Shutting down: label what was acknowledged so far; the rest comes again.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if ferr := p.labels.flush(fctx); ferr != nil {
			p.s.log.Warn("gmail label update failed at shutdown; those messages will be delivered again", "err", ferr)
		}
		return nil, err
	}
	if err := p.labels.flush(ctx); err != nil {
		return nil, err
	}
	if sendErr != nil {
		return nil, sendErr
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.retry), nil
}

// sendChunk reads the metadata of a chunk, keeps the selected messages and
// sends them.
func (p *passRun) sendChunk(ctx context.Context, out chan<- collector.Message, cands []candidate) error {
	metas := make([]*gmail.Message, len(cands))
	var wg sync.WaitGroup
	for i, c := range cands {
		wg.Go(func() { metas[i] = p.metadata(ctx, c.id) })
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	var unverified []*gmail.Message
	var send []*gmail.Message
	for i, m := range metas {
		if m == nil || !p.eligible(m) {
			continue
		}
		if cands[i].verified || p.s.cfg.Query == "" {
			send = append(send, m)
		} else {
			unverified = append(unverified, m)
		}
	}
	if len(unverified) > 0 {
		ok, err := p.verify(ctx, unverified)
		if err != nil {
			return err
		}
		send = append(send, ok...)
	}
	for _, m := range send {
		if err := p.send(ctx, out, m); err != nil {
			return err
		}
	}
	return nil
}

// send hands one message to the pipeline.
func (p *passRun) send(ctx context.Context, out chan<- collector.Message, m *gmail.Message) error {
	id, size := m.Id, m.SizeEstimate
	hadFailed := p.lab.failed != "" && slices.Contains(m.LabelIds, p.lab.failed)
	var once sync.Once
	msg := collector.Message{
		Source:   "gmail",
		ID:       id,
		Name:     fileName(m),
		Received: time.UnixMilli(m.InternalDate).UTC(),
		Open: func(ctx context.Context) (io.ReadCloser, error) {
			b, err := p.s.fetch(ctx, id, size)
			if err != nil {
				return nil, err
			}
			return readCloser(b), nil
		},
		Ack: func(ctx context.Context, o collector.Outcome) error {
			err := errors.New("gmail: message acknowledged twice")
			once.Do(func() { err = p.ack(ctx, id, hadFailed, o) })
			return err
		},
	}
	p.acks.Add()
	select {
	case out <- msg:
		return nil
	case <-ctx.Done():
		p.acks.Done()
		return ctx.Err()
	}
}

// ack records an outcome: labels for delivered and rejected mail, a retry
// entry for a transient failure.
func (p *passRun) ack(ctx context.Context, id string, hadFailed bool, o collector.Outcome) error {
	defer p.acks.Done()
	cfg := p.s.cfg
	switch {
	case o.Delivered():
		p.count("delivered")
		var add, remove []string
		if p.lab.processed != "" {
			add = append(add, p.lab.processed)
		}
		if hadFailed {
			remove = append(remove, p.lab.failed)
		}
		if cfg.MarkRead {
			remove = append(remove, "UNREAD")
		}
		if cfg.Archive {
			remove = append(remove, "INBOX")
		}
		return p.labels.add(ctx, id, add, remove)
	case o.Rejected():
		p.count("rejected")
		reason := o.Reason
		if reason == "" {
			reason = o.Err.Error()
		}
		p.s.log.Warn("gmail message holds no valid report", "id", id, "reason", reason)
		if p.lab.failed == "" {
			return nil
		}
		return p.labels.add(ctx, id, []string{p.lab.failed}, nil)
	default:
		p.s.log.Debug("gmail message not delivered; kept for retry", "id", id, "err", o.Err)
		p.addRetry(id)
		return nil
	}
}

func (p *passRun) addRetry(id string) {
	p.count("retry")
	p.mu.Lock()
	p.retry = append(p.retry, id)
	p.mu.Unlock()
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
func fileName(m *gmail.Message) string {
	subj := ""
	if m.Payload != nil {
		subj = headerValue(m.Payload.Headers, "Subject")
		if d, err := new(mime.WordDecoder).DecodeHeader(subj); err == nil {
			subj = d
		}
	}
	clean := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune(" .!_-", r):
			return r
		}
		return '_'
	}, subj)
	clean = strings.TrimSpace(clean)
	if len(clean) > 100 {
		clean = clean[:100]
	}
	if clean == "" {
		clean = "gmail-" + m.Id
	}
	return clean + ".eml"
}

func slogLevel(info bool) slog.Level {
	if info {
		return slog.LevelInfo
	}
	return slog.LevelDebug
}
