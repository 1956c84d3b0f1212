package dir

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

var contentBucket = []byte("content")

// Content statuses kept in the state store.
const (
	statusDelivered = "delivered"
	statusRejected  = "rejected"
)

// record is what the state store keeps per content hash.
type record struct {
	Status string    `json:"status"`
	At     time.Time `json:"at"`
	Name   string    `json:"name"`             // the file it came from, for humans
	Reason string    `json:"reason,omitempty"` // why it was rejected
}

// state is the embedded store of delivered and rejected content, keyed by
// the SHA-256 of the file's bytes. Every write is synced to disk before it
// returns, so an acknowledged file is never delivered again after a crash.
type state struct {
	db *bolt.DB
	// failWrites, in tests, makes writes fail as on a full disk.
	failWrites func() error
}

// openState opens the state store at path. A damaged store (bbolt's own
// consistency check fails, it panics while reading, a record does not
// decode, or the file is empty) is moved aside as <path>.damaged-<UTC time>
// with an ERROR, and a fresh store is started: content already delivered
// is delivered again, which costs work but duplicates nothing (document ids
// come from the content). A store locked by another process is an error.
func openState(path string, log *slog.Logger) (*state, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("creating state directory: %w", err)
	}
	s, damage, err := tryOpenState(path)
	if err != nil || damage == nil {
		return s, err
	}
	aside := fmt.Sprintf("%s.damaged-%s", path, time.Now().UTC().Format("20060102T150405Z"))
	if err := os.Rename(path, aside); err != nil {
		return nil, fmt.Errorf("state file %s is damaged (%v) and could not be moved aside: %w", path, damage, err)
	}
	log.Error("state file damaged: moved aside, starting with an empty state; files still in the folder are delivered again (same document ids, no duplicates)",
		"state_file", path, "moved_to", aside, "damage", damage.Error())
	s, damage, err = tryOpenState(path)
	if err == nil && damage != nil {
		err = fmt.Errorf("fresh state file %s: %w", path, damage)
	}
	return s, err
}

// tryOpenState opens and checks the store. damage (with a nil store) says
// why the file cannot be trusted; err is any other failure.
func tryOpenState(path string) (s *state, damage, err error) {
	if info, serr := os.Stat(path); serr == nil && info.Size() == 0 {
		return nil, errors.New("the file is empty (0 bytes); a state file is never empty once created"), nil
	}
	var db *bolt.DB
	defer func() {
		if p := recover(); p != nil {
			if db != nil {
				closeQuietly(db)
			}
			s, damage, err = nil, fmt.Errorf("bbolt panicked reading it: %v", p), nil
		}
	}()
	db, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	switch {
	case errors.Is(err, bolterrors.ErrTimeout):
		return nil, nil, fmt.Errorf("opening state file %s: locked by another process (is another dmarc-agent running?)", path)
	case errors.Is(err, bolterrors.ErrInvalid), errors.Is(err, bolterrors.ErrVersionMismatch), errors.Is(err, bolterrors.ErrChecksum):
		return nil, err, nil
	case err != nil && isIOError(err):
		return nil, nil, fmt.Errorf("opening state file %s: %w", path, err)
	case err != nil:
		return nil, err, nil // a size or layout bbolt cannot map
	}
	if damage := checkState(db); damage != nil {
		closeQuietly(db)
		return nil, damage, nil
	}
	err = db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(contentBucket)
		return err
	})
	if err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("initialising state file %s: %w", path, err)
	}
	return &state{db: db}, nil, nil
}

// checkState runs bbolt's consistency check and decodes every record.
func checkState(db *bolt.DB) error {
	return db.View(func(tx *bolt.Tx) error {
		var first error
		for err := range tx.Check() { // drained: the checker goroutine must end
			if first == nil {
				first = err
			}
		}
		if first != nil {
			return first
		}
		b := tx.Bucket(contentBucket)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			var r record
			if len(k) != 32 {
				return fmt.Errorf("a key of %d bytes (want 32)", len(k))
			}
			if err := json.Unmarshal(v, &r); err != nil || (r.Status != statusDelivered && r.Status != statusRejected) {
				return fmt.Errorf("record %x does not decode", k)
			}
			return nil
		})
	})
}

// isIOError reports an error of the file system rather than of the content.
func isIOError(err error) bool {
	var pe *os.PathError
	return errors.As(err, &pe)
}

func closeQuietly(db *bolt.DB) {
	defer func() { recover() }()
	db.Close()
}

// damagedAtRuntime turns a bbolt panic (damage the opening check missed)
// into an error: the message concerned is retried, the process goes on.
func damagedAtRuntime(err *error) {
	if p := recover(); p != nil {
		*err = fmt.Errorf("state file damaged (restart the agent to move it aside): bbolt panicked: %v", p)
	}
}

// get returns the record of a content hash, if any.
func (s *state) get(sum [32]byte) (r record, found bool, err error) {
	defer damagedAtRuntime(&err)
	err = s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(contentBucket).Get(sum[:])
		if v == nil {
			return nil
		}
		found = true
		return json.Unmarshal(v, &r)
	})
	if err != nil {
		return record{}, false, fmt.Errorf("reading state: %w", err)
	}
	return r, found, nil
}

func (s *state) put(sum [32]byte, r record) (err error) {
	defer damagedAtRuntime(&err)
	v, err := json.Marshal(r)
	if err != nil {
		return err
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		if s.failWrites != nil {
			if err := s.failWrites(); err != nil {
				return err
			}
		}
		return tx.Bucket(contentBucket).Put(sum[:], v)
	})
	if err != nil {
		return fmt.Errorf("recording %s content in state: %w", r.Status, err)
	}
	return nil
}

func (s *state) close() error { return s.db.Close() }
