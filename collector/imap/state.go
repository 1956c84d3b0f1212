package imap

import (
	"slices"

	"github.com/emersion/go-imap/v2"

	"github.com/dmarc-agent/dmarc-agent/internal/statefile"
)

// state is what the state file keeps between passes and runs.
type state struct {
	// Mailbox names the server, user and mailbox the cursor belongs to; a
	// cursor of another mailbox is ignored.
	Mailbox string `json:"mailbox"`
	// UIDValidity is the mailbox's UIDVALIDITY when LastUID was saved; when
	// the server reports another one, the UIDs mean nothing any more and
	// the whole selection is read again (content ids deduplicate).
	UIDValidity uint32 `json:"uid_validity"`
	// LastUID: every message with a UID up to it has been acknowledged, or
	// did not match the selection, or is listed in Retry.
	LastUID imap.UID `json:"last_uid"`
	// Retry holds UIDs whose delivery failed transiently.
	Retry []imap.UID `json:"retry,omitempty"`
	// Checksum guards the file; files written before it existed have none
	// and are accepted.
	statefile.Checksum
}

// loadState reads the state file; a missing file is a fresh start. An
// empty file, one that does not parse, or one whose checksum does not match
// gives an error wrapping statefile.ErrDamaged.
func loadState(path string) (state, error) { return statefile.Load[state](path) }

// saveState writes the state file atomically, with its checksum: a crash
// leaves the old or the new file, never a torn one.
func saveState(path string, st state) error {
	slices.Sort(st.Retry)
	st.Retry = slices.Compact(st.Retry)
	return statefile.Save(path, st)
}
