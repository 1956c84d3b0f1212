package gmail

import (
	"slices"

	"github.com/dmarc-agent/dmarc-agent/internal/statefile"
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
	// Checksum (last, as in files written before it moved to statefile)
	// guards the file; files without one are accepted.
	statefile.Checksum
}

// errDamagedState marks a state file that exists but cannot be trusted.
var errDamagedState = statefile.ErrDamaged

// loadState reads the state file; a missing file is a fresh start. An
// empty file, one that does not parse, or one whose checksum does not match
// gives an error wrapping errDamagedState.
func loadState(path string) (state, error) { return statefile.Load[state](path) }

// moveAside renames a damaged state file to <path>.damaged-<UTC time>.
func moveAside(path string) (string, error) { return statefile.MoveAside(path) }

// saveState writes the state file atomically, with its checksum.
func saveState(path string, st state) error {
	slices.Sort(st.Retry)
	return statefile.Save(path, st)
}
