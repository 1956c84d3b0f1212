package gmail

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"google.golang.org/api/gmail/v1"
	"google.golang.org/api/googleapi"
)

// metadata gets labels, date, size and headers of one message; nil when it
// is gone (404) or could not be read (then it is kept for retry).
func (p *passRun) metadata(ctx context.Context, id string) *gmail.Message {
	if err := p.s.acquire(ctx); err != nil {
		return nil
	}
	defer p.s.release()
	m, err := p.s.svc.Users.Messages.Get(p.s.cfg.User, id).Format("metadata").
		MetadataHeaders("Subject", "Message-ID").Context(ctx).Do()
	if err == nil {
		return m
	}
	var ge *googleapi.Error
	if errors.As(err, &ge) && ge.Code == http.StatusNotFound {
		p.count("skipped")
		return nil
	}
	if ctx.Err() == nil {
		p.s.log.Debug("gmail message metadata failed; kept for retry", "id", id, "err", err)
		p.addRetry(id)
	}
	return nil
}

// eligible applies what the labels tell: not in spam, trash or drafts; in
// the selection label; not already processed or failed (except when
// reprocessing).
func (p *passRun) eligible(m *gmail.Message) bool {
	has := func(l string) bool { return l != "" && slices.Contains(m.LabelIds, l) }
	ok := !has("SPAM") && !has("TRASH") && !has("DRAFT") &&
		(p.lab.selected == "" || has(p.lab.selected)) &&
		(p.reprocess || (!has(p.lab.processed) && !has(p.lab.failed)))
	if !ok {
		p.count("skipped")
	}
	return ok
}

// verify keeps the messages that match the selection query, asking Gmail
// with their Message-IDs, 20 to a query. Messages without a usable
// Message-ID are checked against a listing of the whole selection.
func (p *passRun) verify(ctx context.Context, ms []*gmail.Message) ([]*gmail.Message, error) {
	matched := map[string]bool{}
	var byMsgID, rest []*gmail.Message
	for _, m := range ms {
		if messageID(m) != "" {
			byMsgID = append(byMsgID, m)
		} else {
			rest = append(rest, m)
		}
	}
	q := p.s.query(false)
	for i := 0; i < len(byMsgID); i += 20 {
		var terms []string
		for _, m := range byMsgID[i:min(i+20, len(byMsgID))] {
			terms = append(terms, "rfc822msgid:"+messageID(m))
		}
		ids, err := p.s.list(ctx, q+" {"+strings.Join(terms, " ")+"}", p.lab.selected)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			matched[id] = true
		}
	}
	if len(rest) > 0 {
		ids, err := p.s.list(ctx, q, p.lab.selected)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			matched[id] = true
		}
	}
	var keep []*gmail.Message
	for _, m := range ms {
		if matched[m.Id] {
			keep = append(keep, m)
		} else {
			p.count("skipped")
		}
	}
	return keep, nil
}

// messageID is the Message-ID without brackets, or "" if it cannot be put
// in a search query safely.
func messageID(m *gmail.Message) string {
	if m.Payload == nil {
		return ""
	}
	v := strings.TrimSpace(headerValue(m.Payload.Headers, "Message-ID"))
	v = strings.TrimSuffix(strings.TrimPrefix(v, "<"), ">")
	if v == "" || strings.ContainsAny(v, " \t\r\n\"(){}<>") {
		return ""
	}
	return v
}
