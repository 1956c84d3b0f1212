package mapping

import (
	_ "embed"
	"encoding/json"
	"fmt"
)

//go:embed ism.json
var ismPolicy []byte

// PolicyID is the id of the retention policy for prefix.
func PolicyID(prefix string) string {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	return prefix + "-retention"
}

// RetentionPolicy returns the body of `PUT _plugins/_ism/policies/<PolicyID>`:
// indices of the given kinds are deleted once older than days (counted from
// the index's creation). Its ism_template attaches the policy to new indices
// matching the kinds' patterns.
func RetentionPolicy(prefix string, days int, kinds []Kind) ([]byte, error) {
	if days <= 0 {
		return nil, fmt.Errorf("retention policy: days must be positive, got %d", days)
	}
	var doc struct {
		Policy map[string]any `json:"policy"`
	}
	if err := json.Unmarshal(ismPolicy, &doc); err != nil {
		return nil, fmt.Errorf("reading ism.json: %w", err)
	}
	states, _ := doc.Policy["states"].([]any)
	keep, _ := states[0].(map[string]any)
	transitions, _ := keep["transitions"].([]any)
	toDelete, _ := transitions[0].(map[string]any)
	toDelete["conditions"] = map[string]any{"min_index_age": fmt.Sprintf("%dd", days)}
	patterns := make([]string, 0, len(kinds))
	for _, k := range kinds {
		patterns = append(patterns, IndexPattern(prefix, k))
	}
	doc.Policy["ism_template"] = []any{map[string]any{"index_patterns": patterns, "priority": 100}}
	return json.Marshal(doc)
}
