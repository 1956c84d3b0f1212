package gmail

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"time"
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
	// Checksum is the SHA-256 (hex) of the file's JSON without this field.
	// Files written before it existed have none and are accepted.
	Checksum string `json:"checksum,omitempty"`
}

// errDamagedState marks a state file that exists but cannot be trusted.
var errDamagedState = errors.New("gmail state file damaged")

func (st state) sum() string {
	st.Checksum = ""
	b, _ := json.Marshal(st)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// loadState reads the state file; a missing file is a fresh start. An
// empty file, one that does not parse, or one whose checksum does not match
// gives an error wrapping errDamagedState.
func loadState(path string) (state, error) {
	var st state
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("reading gmail state: %w", err)
	}
	switch {
	case len(b) == 0:
		return state{}, fmt.Errorf("%w: %s is empty (0 bytes)", errDamagedState, path)
	case json.Unmarshal(b, &st) != nil:
		return state{}, fmt.Errorf("%w: %s is not valid JSON", errDamagedState, path)
	case st.Checksum != "" && st.Checksum != st.sum():
		return state{}, fmt.Errorf("%w: %s does not match its checksum", errDamagedState, path)
	}
	return st, nil
}

// moveAside renames a damaged state file to <path>.damaged-<UTC time>.
func moveAside(path string) (string, error) {
	aside := fmt.Sprintf("%s.damaged-%s", path, time.Now().UTC().Format("20060102T150405Z"))
	if err := os.Rename(path, aside); err != nil {
		return "", fmt.Errorf("moving the damaged gmail state aside: %w", err)
	}
	return aside, nil
}

// saveState writes the state file atomically.
func saveState(path string, st state) error {
	slices.Sort(st.Retry)
	st.Checksum = st.sum()
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(path, append(b, '\n'))
}
