package mapping

import (
	"encoding/json"
	"fmt"
)

// LifecyclePolicy returns the body of `PUT _ilm/policy/<PolicyID>` for
// Elasticsearch: indices are deleted once older than days (counted from the
// index's creation, like the ISM policy). Indices follow it through the
// index.lifecycle.name setting (TemplateSettings.LifecyclePolicy).
func LifecyclePolicy(days int) ([]byte, error) {
	if days <= 0 {
		return nil, fmt.Errorf("lifecycle policy: days must be positive, got %d", days)
	}
	return json.Marshal(map[string]any{
		"policy": map[string]any{
			"phases": map[string]any{
				"delete": map[string]any{
					"min_age": fmt.Sprintf("%dd", days),
					"actions": map[string]any{"delete": map[string]any{}},
				},
			},
			"_meta": map[string]any{"managed_by": "dmarc-agent"},
		},
	})
}
