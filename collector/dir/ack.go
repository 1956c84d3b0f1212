package dir

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/dmarc-agent/dmarc-agent/collector"
)

// ackFunc returns the Ack of one sent file. Delivered: the content hash is
// recorded, then the file is left, moved or deleted. Rejected: the hash and
// reason are recorded and the file moves to the failed folder with a .reason
// file. Anything else: nothing is recorded; the file is tried again after a
// backoff.
func (r *run) ackFunc(path, rel string, sum [32]byte, info os.FileInfo) func(context.Context, collector.Outcome) error {
	var acked atomic.Bool
	return func(_ context.Context, o collector.Outcome) error {
		if !acked.CompareAndSwap(false, true) {
			return fmt.Errorf("dir: %s acknowledged twice", rel)
		}
		defer r.wakeUp()
		defer r.acks.Done()
		switch {
		case o.Delivered():
			if err := r.st.put(sum, record{Status: statusDelivered, At: time.Now().UTC(), Name: rel}); err != nil {
				r.stateFailed(path, sum, err)
				return err
			}
			r.fault.Clear()
			r.ackDone(path, sum, info, record{Status: statusDelivered})
		case o.Rejected() && errors.Is(o.Err, collector.ErrIncomplete) && time.Since(info.ModTime()) < r.cfg.TruncatedGrace:
			r.ackIncomplete(path, sum, info, o)
		case o.Rejected():
			reason := o.Reason
			if reason == "" {
				reason = o.Err.Error()
			}
			if err := r.st.put(sum, record{Status: statusRejected, At: time.Now().UTC(), Name: rel, Reason: reason}); err != nil {
				r.stateFailed(path, sum, err)
				return err
			}
			r.fault.Clear()
			r.ackDone(path, sum, info, record{Status: statusRejected, Reason: reason})
		default:
			r.ackTransient(path, sum)
		}
		return nil
	}
}

// ackIncomplete keeps a file that reads as truncated and was modified
// within truncated_grace where it is, recording nothing: its writer may
// have paused. It is read again when it changes, or once it has been
// unchanged for truncated_grace; still truncated then, it is rejected.
func (r *run) ackIncomplete(path string, sum [32]byte, info os.FileInfo, o collector.Outcome) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.landedLocked(path, sum)
	if e == nil {
		return
	}
	again := info.ModTime().Add(r.cfg.TruncatedGrace)
	r.log.Info("file looks incomplete, perhaps still being written; it will be read again when it changes or at the time given",
		"path", path, "again", again.UTC().Format(time.RFC3339), "reason", o.Reason)
	e.incomplete = true
	if r.once {
		e.status = statusSkipped // the next run looks again
		return
	}
	e.status, e.notBefore = statusPending, again
}

// stateFailed handles a state write that failed (a full disk): nothing is
// recorded and the file is neither moved nor set aside; it is delivered
// again after a backoff (its documents are idempotent).
func (r *run) stateFailed(path string, sum [32]byte, err error) {
	r.fault.Set(err)
	r.log.Error("recording delivered content in the state file failed; the file stays pending and will be delivered again", "path", path, "err", err)
	r.ackTransient(path, sum)
}

func (r *run) ackTransient(path string, sum [32]byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if e := r.landedLocked(path, sum); e != nil {
		r.retryLocked(e, time.Now())
	}
}

// landedLocked ends the flight of sum from path (r.mu held) and returns the
// file's entry, or nil when there is nothing left to decide: the entry is
// gone, no longer in flight, or its file was removed meanwhile (then it is
// forgotten).
func (r *run) landedLocked(path string, sum [32]byte) *entry {
	delete(r.inflight, sum)
	e := r.files[path]
	if e == nil || e.status != statusInFlight {
		return nil
	}
	if e.gone {
		delete(r.files, path)
		return nil
	}
	return e
}

// ackDone disposes of a file whose content is now recorded.
func (r *run) ackDone(path string, sum [32]byte, info os.FileInfo, rec record) {
	r.mu.Lock()
	e := r.landedLocked(path, sum)
	if e == nil {
		r.mu.Unlock()
		return
	}
	// Only the file that was read may be moved or deleted: if it was
	// replaced or changed meanwhile, its new content is delivered later.
	if cur, _ := r.statInput(path); cur == nil || !os.SameFile(cur, info) ||
		cur.Size() != info.Size() || !cur.ModTime().Equal(info.ModTime()) {
		e.status, e.hashed = statusPending, false
		if cur == nil {
			delete(r.files, path)
		}
		r.mu.Unlock()
		return
	}
	r.mu.Unlock() // still in flight, so the loop leaves it alone; disposeKnown sets its fate

	r.disposeKnown(path, e, rec)
}

// disposeKnown handles a file whose content is recorded: delivered content
// is left, moved to the processed folder or deleted; rejected content goes
// to the failed folder with its reason.
func (r *run) disposeKnown(path string, e *entry, rec record) {
	var err error
	if rec.Status == statusRejected {
		err = r.moveToFailed(path, e.sum, rec.Reason)
	} else {
		switch r.cfg.AfterDelivery {
		case "move":
			err = r.moveUnder(r.processed, path, e.sum)
		case "delete":
			if err = os.Remove(path); errors.Is(err, os.ErrNotExist) {
				err = nil
			}
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.files[path] != e {
		return
	}
	switch {
	case err != nil:
		r.log.Warn("disposing of file; will retry", "path", path, "err", err)
		r.retryLocked(e, time.Now())
	case rec.Status == statusDelivered && r.cfg.AfterDelivery == "leave":
		e.status = statusDone
	default:
		delete(r.files, path) // moved or deleted
	}
}

// moveToFailed writes <dest>.reason, then moves the file to dest in the failed folder.
func (r *run) moveToFailed(path string, sum [32]byte, reason string) error {
	dest, err := r.destination(r.failed, path, sum)
	if err != nil {
		return err
	}
	if dest == "" {
		return os.Remove(path) // the same file already sits in failed/
	}
	if err := writeNew(dest+".reason", []byte(reason+"\n")); err != nil {
		return fmt.Errorf("writing reason file: %w", err)
	}
	if err := moveFile(path, dest); err != nil {
		return err
	}
	r.log.Debug("moved to the failed folder", "path", path, "reason", reason)
	return nil
}

// moveUnder moves path to the same relative place under dir.
func (r *run) moveUnder(dir, path string, sum [32]byte) error {
	dest, err := r.destination(dir, path, sum)
	if err != nil {
		return err
	}
	if dest == "" {
		return os.Remove(path) // the same file already sits there
	}
	return moveFile(path, dest)
}

// destination is where path goes under dir: the same relative path, or
// with the content hash prefixed to the name if another file holds that
// name. "" means a file with the same name and content is already there.
func (r *run) destination(dir, path string, sum [32]byte) (string, error) {
	rel, err := filepath.Rel(r.root, path)
	if err != nil {
		return "", err
	}
	dest := filepath.Join(dir, rel)
	if err := mkdirNoLinks(dir, filepath.Dir(dest)); err != nil {
		return "", err
	}
	if free(dest) {
		return dest, nil
	}
	alt := filepath.Join(filepath.Dir(dest), hex.EncodeToString(sum[:6])+"-"+filepath.Base(dest))
	if free(alt) {
		return alt, nil
	}
	if info, err := os.Lstat(alt); err == nil && info.Mode().IsRegular() {
		return "", nil // the same content under the same name
	}
	return "", fmt.Errorf("%s is taken by a link or special file: refusing to write there", strconv.Quote(alt))
}

// free reports that neither name nor its .reason file exists (as anything,
// links included).
func free(name string) bool {
	_, err := os.Lstat(name)
	_, rerr := os.Lstat(name + ".reason")
	return errors.Is(err, os.ErrNotExist) && errors.Is(rerr, os.ErrNotExist)
}

// writeNew writes a file that must not exist yet (never through a link).
func writeNew(name string, data []byte) error {
	f, err := createNew(name)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// moveFile renames, or copies and removes across file systems.
func moveFile(src, dst string) error {
	err := os.Rename(src, dst)
	if err == nil || !errors.Is(err, syscall.EXDEV) {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp := dst + ".part"
	os.Remove(tmp) // left by an earlier attempt (a link is removed, never followed)
	out, err := createNew(tmp)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		os.Remove(tmp)
		return fmt.Errorf("copying %s: %w", src, err)
	}
	if err := out.Sync(); err != nil {
		out.Close()
		os.Remove(tmp)
		return err
	}
	if err := out.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, dst); err != nil {
		return err
	}
	return os.Remove(src)
}
