package dir

import (
	"encoding/json"
	"errors"
	"fmt"
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

func openState(path string) (*state, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("creating state directory: %w", err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("opening state file %s: locked by another process (is another dmarc-agent running?)", path)
	}
	if err != nil {
		return nil, fmt.Errorf("opening state file %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(contentBucket)
		return err
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("initialising state file %s: %w", path, err)
	}
	return &state{db: db}, nil
}

// get returns the record of a content hash, if any.
func (s *state) get(sum [32]byte) (record, bool, error) {
	var r record
	var found bool
	err := s.db.View(func(tx *bolt.Tx) error {
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

func (s *state) put(sum [32]byte, r record) error {
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
