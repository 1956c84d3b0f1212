// Package statefile writes small files atomically and keeps a source's
// JSON state with a SHA-256 checksum, so that a damaged state file is
// recognised instead of being trusted.
package statefile

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// ErrDamaged marks a state file that exists but cannot be trusted: empty,
// not JSON, or not matching its checksum.
var ErrDamaged = errors.New("state file damaged")

// Checksum is embedded (last) in a state struct. It holds the SHA-256 (hex)
// of the struct's JSON without this field. Files written before it existed
// have none and are accepted.
type Checksum struct {
	Checksum string `json:"checksum,omitempty"`
}

func (c *Checksum) field() *Checksum { return c }

// sealed is a state struct that embeds Checksum.
type sealed[T any] interface {
	*T
	field() *Checksum
}

// sum is the hex SHA-256 of v's compact JSON with the checksum left out.
func sum[T any, P sealed[T]](v T) (string, error) {
	P(&v).field().Checksum = ""
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:]), nil
}

// Load reads the state at path into a T. A missing file is a fresh start
// (the zero T, no error). An empty file, one that does not parse, or one
// whose checksum does not match gives an error wrapping ErrDamaged; any
// other read failure is returned as it is.
func Load[T any, P sealed[T]](path string) (T, error) {
	var v T
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return v, nil
	}
	if err != nil {
		return v, fmt.Errorf("reading state file: %w", err)
	}
	if len(b) == 0 {
		return v, fmt.Errorf("%w: %s is empty (0 bytes)", ErrDamaged, path)
	}
	if err := json.Unmarshal(b, &v); err != nil {
		var zero T
		return zero, fmt.Errorf("%w: %s is not valid JSON", ErrDamaged, path)
	}
	if got := P(&v).field().Checksum; got != "" {
		want, err := sum[T, P](v)
		if err != nil || got != want {
			var zero T
			return zero, fmt.Errorf("%w: %s does not match its checksum", ErrDamaged, path)
		}
	}
	return v, nil
}

// Save writes v to path atomically with its checksum, indented, mode 0600.
func Save[T any, P sealed[T]](path string, v T) error {
	s, err := sum[T, P](v)
	if err != nil {
		return fmt.Errorf("encoding state for %s: %w", path, err)
	}
	P(&v).field().Checksum = s
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding state for %s: %w", path, err)
	}
	return WriteAtomic(path, append(b, '\n'))
}

// MoveAside renames a damaged state file to <path>.damaged-<UTC time> and
// returns the new name.
func MoveAside(path string) (string, error) {
	aside := fmt.Sprintf("%s.damaged-%s", path, time.Now().UTC().Format("20060102T150405Z"))
	if err := os.Rename(path, aside); err != nil {
		return "", fmt.Errorf("moving the damaged state file aside: %w", err)
	}
	return aside, nil
}

// WriteAtomic writes data to a temporary file beside path (mode 0600),
// syncs it and renames it over path: a crash leaves the old file or the
// new one, never a torn one, and a failure leaves no temporary file.
func WriteAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after a successful rename
	err = f.Chmod(0o600)
	if err == nil {
		_, err = f.Write(data)
	}
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
