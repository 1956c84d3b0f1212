package opensearch

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/dmarc-agent/dmarc-agent/mapping"
	"github.com/dmarc-agent/dmarc-agent/output"
)

// The dead-letter index keeps every document the cluster refused for good,
// whole, with the reason and the message it came from, so that nothing is
// silently dropped: `<prefix>-dead-letter`. The original document is a
// string in a field the cluster does not parse (enabled: false), so
// whatever made the cluster refuse it cannot make it refuse the entry.

// deadLetterTemplateVersion is written into the template's _meta.
const deadLetterTemplateVersion = 1

// DeadLetterIndex is the dead-letter index of prefix.
func DeadLetterIndex(prefix string) string {
	if prefix == "" {
		prefix = mapping.DefaultPrefix
	}
	return prefix + "-dead-letter"
}

// deadLetterEntry is one document of the dead-letter index.
type deadLetterEntry struct {
	Timestamp string `json:"@timestamp"`
	Index     string `json:"index"`
	ID        string `json:"id"`
	Reason    string `json:"reason"`
	Status    int    `json:"status,omitempty"`
	ErrorType string `json:"error_type,omitempty"`
	Source    string `json:"source,omitempty"`
	MessageID string `json:"message_id,omitempty"`
	Document  string `json:"document"`
}

const deadLetterMappings = `{
  "dynamic": "strict",
  "properties": {
    "@timestamp": {"type": "date"},
    "index": {"type": "keyword"},
    "id": {"type": "keyword"},
    "reason": {"type": "text", "fields": {"keyword": {"type": "keyword", "ignore_above": 1024}}},
    "status": {"type": "integer"},
    "error_type": {"type": "keyword"},
    "source": {"type": "keyword"},
    "message_id": {"type": "keyword"},
    "document": {"type": "object", "enabled": false}
  }
}`

// deadLetterTemplate is the body of PUT _index_template/<DeadLetterIndex>.
func (o *Output) deadLetterTemplate() []byte {
	body, _ := json.Marshal(map[string]any{
		"index_patterns": []string{DeadLetterIndex(o.prefix)},
		"priority":       200,
		"template": map[string]any{
			"settings": map[string]any{"index": map[string]any{
				"number_of_shards":   1,
				"number_of_replicas": o.cfg.Template.Replicas,
			}},
			"mappings": json.RawMessage(deadLetterMappings),
		},
		"_meta": map[string]any{"managed_by": "dmarc-agent", "version": deadLetterTemplateVersion},
	})
	return body
}

func (o *Output) putDeadLetterTemplate(ctx context.Context) (string, error) {
	name := DeadLetterIndex(o.prefix)
	res, err := o.do(ctx, http.MethodPut, "/_index_template/"+url.PathEscape(name), o.deadLetterTemplate())
	if err != nil {
		return "", fmt.Errorf("installing index template %s: %w", name, err)
	}
	if res.status != http.StatusOK {
		return "", fmt.Errorf("installing index template %s: %s", name, res.errorText())
	}
	o.logger.Info("index template installed", "template", name)
	return name, nil
}

// toDeadLetter turns a refused document's item into the item of its
// dead-letter entry. The entry's id is derived from the original's index
// and id, so a refusal recorded twice is one entry.
func (o *Output) toDeadLetter(it *item, reason string, status int, errType string) {
	orig := it.doc
	origin := output.OriginFrom(it.call.ctx)
	body, _ := json.Marshal(deadLetterEntry{
		Timestamp: time.Now().UTC().Format(time.RFC3339Nano),
		Index:     orig.Index, ID: orig.ID,
		Reason: reason, Status: status, ErrorType: errType,
		Source: origin.Source, MessageID: origin.ID,
		Document: string(orig.Body),
	})
	sum := sha256.Sum256([]byte(orig.Index + "\x00" + orig.ID))
	d := output.Doc{Index: DeadLetterIndex(o.prefix), ID: base64.RawURLEncoding.EncodeToString(sum[:24]), Body: body}
	it.refusal = &output.Failure{Index: orig.Index, ID: orig.ID, Reason: reason}
	it.doc = d
	it.size = 40 + len(d.Index) + len(d.ID) + len(body)
	it.attempts, it.stalls, it.first = 0, 0, time.Time{}
}
