package gmail

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
)

// state is what the state file keeps between passes and runs.
type state struct {
	// Mailbox is the user and endpoint the cursor belongs to; a cursor of
	// another mailbox is ignored.
	Mailbox string `json:"mailbox"`
	// HistoryID is the cursor: every message added before it has been
	// acknowledged or is listed in Retry.
	HistoryID uint64 `json:"history_id,string,omitempty"`
	// Retry holds selected messages whose delivery failed transiently; the
	// next pass delivers them again.
	Retry []string `json:"retry,omitempty"`
}

// loadState reads the state file; a missing file is a fresh start.
func loadState(path string) (state, error) {
	var st state
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("reading gmail state: %w", err)
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return state{}, fmt.Errorf("reading gmail state %s: %w", path, err)
	}
	return st, nil
}

// saveState writes the state file atomically.
func saveState(path string, st state) error {
	slices.Sort(st.Retry)
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(path, append(b, '\n'))
}
