package imap

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/emersion/go-imap/v2"
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
}

// loadState reads the state file; a missing file is a fresh start.
func loadState(path string) (state, error) {
	var st state
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("reading imap state: %w", err)
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return state{}, fmt.Errorf("reading imap state %s: %w", path, err)
	}
	return st, nil
}

// saveState writes the state file atomically: a crash leaves the old or
// the new file, never a torn one.
func saveState(path string, st state) error {
	slices.Sort(st.Retry)
	st.Retry = slices.Compact(st.Retry)
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(path, append(b, '\n'))
}

func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after a successful rename
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
