package gmail

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"google.golang.org/api/gmail/v1"
	"google.golang.org/api/googleapi"
)

// labelIDs are the label ids a pass works with; "" when not configured.
type labelIDs struct {
	selected  string // cfg.Label
	processed string
	failed    string
}

// resolveLabels maps the configured names to ids, creating the processed
// and failed labels when missing. A missing selection label is an error: no
// mail can match it yet.
func (s *Source) resolveLabels(ctx context.Context) (labelIDs, error) {
	var ids labelIDs
	resp, err := s.svc.Users.Labels.List(s.cfg.User).Context(ctx).Do()
	if err != nil {
		return ids, fmt.Errorf("listing gmail labels: %w", err)
	}
	byName := map[string]string{}
	for _, l := range resp.Labels {
		byName[strings.ToLower(l.Name)] = l.Id
		byName[strings.ToLower(l.Id)] = l.Id // system labels by id: INBOX, UNREAD
	}
	if s.cfg.Label != "" {
		ids.selected = byName[strings.ToLower(s.cfg.Label)]
		if ids.selected == "" {
			return ids, fmt.Errorf("gmail label %q (sources.gmail.label) does not exist in the mailbox", s.cfg.Label)
		}
	}
	for _, want := range []struct {
		name string
		id   *string
	}{{s.cfg.ProcessedLabel, &ids.processed}, {s.cfg.FailedLabel, &ids.failed}} {
		if want.name == "" {
			continue
		}
		if id := byName[strings.ToLower(want.name)]; id != "" {
			*want.id = id
			continue
		}
		id, err := s.createLabel(ctx, want.name)
		if err != nil {
			return ids, err
		}
		*want.id = id
	}
	return ids, nil
}

// createLabel creates a user label; if a retried create finds it exists
// (409), the label is looked up again.
func (s *Source) createLabel(ctx context.Context, name string) (string, error) {
	l, err := s.svc.Users.Labels.Create(s.cfg.User, &gmail.Label{
		Name:                  name,
		LabelListVisibility:   "labelShow",
		MessageListVisibility: "show",
	}).Context(ctx).Do()
	if err == nil {
		s.log.Info("created gmail label", "label", name)
		return l.Id, nil
	}
	var ge *googleapi.Error
	if errors.As(err, &ge) && ge.Code == http.StatusConflict {
		resp, lerr := s.svc.Users.Labels.List(s.cfg.User).Context(ctx).Do()
		if lerr == nil {
			for _, l := range resp.Labels {
				if strings.EqualFold(l.Name, name) {
					return l.Id, nil
				}
			}
		}
	}
	return "", fmt.Errorf("creating gmail label %q: %w", name, err)
}

// searchLabel is a label name as Gmail's search operators take it: lower
// case, with spaces and slashes as dashes ("dmarc/processed" →
// "dmarc-processed").
func searchLabel(name string) string {
	return strings.NewReplacer(" ", "-", "/", "-").Replace(strings.ToLower(name))
}
