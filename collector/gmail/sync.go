package gmail

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"google.golang.org/api/gmail/v1"
	"google.golang.org/api/googleapi"

	"github.com/dmarc-agent/dmarc-agent/collector"
)

// candidate is a message id a pass considers. verified: known to match the
// selection query (it came from a listing with that query).
type candidate struct {
	id       string
	verified bool
}

// pass makes one sync: listing or history, delivery, acks, cursor.
func (s *Source) pass(ctx context.Context, out chan<- collector.Message) error {
	reprocess := !s.opts.Since.IsZero()
	lab, err := s.resolveLabels(ctx)
	if err != nil {
		return err
	}
	var st state
	if !reprocess {
		st, err = loadState(s.cfg.StateFile)
		switch {
		case errors.Is(err, errDamagedState):
			// Start fresh: a full listing skips labelled mail and delivers
			// the rest again (same document ids, no duplicates).
			aside, merr := moveAside(s.cfg.StateFile)
			if merr != nil {
				s.fault.Set(merr)
				return fmt.Errorf("%v; %w", err, merr)
			}
			s.log.Error("gmail state file damaged: moved aside, listing the whole selection", "err", err, "moved_to", aside)
		case err != nil:
			s.log.Warn("gmail state unreadable; listing the whole selection", "err", err)
		}
		if err != nil {
			st = state{}
		}
		if st.Mailbox != s.mailbox {
			st = state{Mailbox: s.mailbox}
		}
	}

	var cands []candidate
	cursor, full := st.HistoryID, true
	if !reprocess && st.HistoryID != 0 {
		ids, newest, err := s.history(ctx, st.HistoryID, lab)
		var ge *googleapi.Error
		switch {
		case errors.As(err, &ge) && ge.Code == http.StatusNotFound:
			s.log.Info("gmail history expired; listing the whole selection again", "history_id", st.HistoryID)
		case err != nil:
			return err
		default:
			full, cursor = false, newest
			for _, id := range ids {
				cands = append(cands, candidate{id: id})
			}
		}
	}
	if full {
		s.metrics.fullSyncs.Inc()
		if !reprocess {
			p, err := s.svc.Users.GetProfile(s.cfg.User).Context(ctx).Do()
			if err != nil {
				return fmt.Errorf("reading gmail profile: %w", err)
			}
			cursor = p.HistoryId // anything added later shows up in history
		}
		ids, err := s.list(ctx, s.query(reprocess), lab.selected)
		if err != nil {
			return err
		}
		for _, id := range ids {
			cands = append(cands, candidate{id: id, verified: true})
		}
	}
	cands = mergeRetry(st.Retry, cands)

	p := newPass(s, lab, reprocess)
	retry, err := p.run(ctx, out, cands)
	if err != nil {
		return err
	}
	c := p.snapshot()
	level := slogLevel(c["delivered"]+c["rejected"]+c["retry"] > 0)
	s.log.Log(ctx, level, "gmail pass done", "full_listing", full, "candidates", len(cands),
		"delivered", c["delivered"], "rejected", c["rejected"], "retry", c["retry"], "skipped", c["skipped"])
	if reprocess {
		return nil
	}
	if err := saveState(s.cfg.StateFile, state{Mailbox: s.mailbox, HistoryID: cursor, Retry: retry}); err != nil {
		// The cursor stays where it was: the next pass reads the same
		// history again (labelled mail is skipped, the rest redelivered).
		err = fmt.Errorf("saving gmail cursor: %w", err)
		s.fault.Set(err)
		return err
	}
	s.fault.Clear()
	return nil
}

// query is the search query of a listing: the configured query, minus
// processed and failed mail, or for reprocessing, everything after Since.
func (s *Source) query(reprocess bool) string {
	var parts []string
	if s.cfg.Query != "" {
		parts = append(parts, "("+s.cfg.Query+")")
	}
	if reprocess {
		parts = append(parts, fmt.Sprintf("after:%d", s.opts.Since.Unix()))
	} else {
		for _, l := range []string{s.cfg.ProcessedLabel, s.cfg.FailedLabel} {
			if l != "" {
				parts = append(parts, "-label:"+searchLabel(l))
			}
		}
	}
	return strings.Join(parts, " ")
}

// list pages through messages.list (500 a page) and returns the ids.
func (s *Source) list(ctx context.Context, q, labelID string) ([]string, error) {
	call := s.svc.Users.Messages.List(s.cfg.User).Q(q).MaxResults(500)
	if labelID != "" {
		call = call.LabelIds(labelID)
	}
	var ids []string
	err := call.Pages(ctx, func(r *gmail.ListMessagesResponse) error {
		for _, m := range r.Messages {
			ids = append(ids, m.Id)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing gmail messages: %w", err)
	}
	return ids, nil
}

// history reads users.history.list from start and returns the ids of added
// messages (and, with a selection label, of messages that got it), plus the
// mailbox's current history id.
func (s *Source) history(ctx context.Context, start uint64, lab labelIDs) ([]string, uint64, error) {
	call := s.svc.Users.History.List(s.cfg.User).StartHistoryId(start).MaxResults(500)
	if lab.selected != "" {
		call = call.LabelId(lab.selected).HistoryTypes("messageAdded", "labelAdded")
	} else {
		call = call.HistoryTypes("messageAdded")
	}
	var ids []string
	seen := map[string]bool{}
	add := func(id string) {
		if id != "" && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	newest := start
	err := call.Pages(ctx, func(r *gmail.ListHistoryResponse) error {
		for _, h := range r.History {
			for _, a := range h.MessagesAdded {
				if a.Message != nil {
					add(a.Message.Id)
				}
			}
			for _, a := range h.LabelsAdded {
				if a.Message != nil && slices.Contains(a.LabelIds, lab.selected) {
					add(a.Message.Id)
				}
			}
		}
		if r.HistoryId > newest {
			newest = r.HistoryId
		}
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("reading gmail history from %d: %w", start, err)
	}
	return ids, newest, nil
}

// mergeRetry puts remembered retries first and drops duplicates.
func mergeRetry(retry []string, cands []candidate) []candidate {
	out := make([]candidate, 0, len(retry)+len(cands))
	seen := map[string]bool{}
	for _, id := range retry {
		if !seen[id] {
			seen[id] = true
			out = append(out, candidate{id: id, verified: true})
		}
	}
	for _, c := range cands {
		if !seen[c.id] {
			seen[c.id] = true
			out = append(out, c)
		}
	}
	return out
}
