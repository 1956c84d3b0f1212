package dir

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// The watched folder may be writable by others (a mail server's pipe, an
// rsync). The source therefore never follows a symbolic link it did not
// expect: inputs are opened with O_NOFOLLOW unless follow_symlinks is set,
// and the processed and failed folders are written only through real
// directories (a link there is refused, never written through). The roots
// themselves (path, processed_dir, failed_dir) are the operator's and are
// resolved once at start.

// statInput describes a path found in the folder: a regular file to read,
// or why it is skipped ("symlink", "not_regular").
func (s *Source) statInput(p string) (fs.FileInfo, string) {
	info, err := os.Lstat(p)
	if err != nil {
		return nil, "gone"
	}
	if info.Mode()&fs.ModeSymlink != 0 {
		if !s.cfg.FollowSymlinks {
			return nil, "symlink"
		}
		if info, err = os.Stat(p); err != nil {
			return nil, "gone"
		}
	}
	if !info.Mode().IsRegular() {
		return nil, "not_regular"
	}
	return info, ""
}

// noteSkipped logs a skipped path once (per run) and counts it.
func (r *run) noteSkipped(p, why string) {
	if why == "gone" {
		return
	}
	r.mu.Lock()
	seen := r.skipped[p]
	r.skipped[p] = true
	r.mu.Unlock()
	if seen {
		return
	}
	r.m.skipped.WithLabelValues(why).Inc()
	if why == "symlink" {
		r.log.Warn("symbolic link in the watched folder not followed (set sources.dir.follow_symlinks to read links)", "path", p)
	} else {
		r.log.Warn("not a regular file (a named pipe, socket or device); not read", "path", p)
	}
}

// openInput opens a file of the folder for reading: never through a link
// unless follow_symlinks, never blocking on a named pipe put in its place,
// and only if it is a regular file.
func (s *Source) openInput(path string) (*os.File, error) {
	flags := os.O_RDONLY | syscall.O_NONBLOCK
	if !s.cfg.FollowSymlinks {
		flags |= syscall.O_NOFOLLOW
	}
	f, err := os.OpenFile(path, flags, 0)
	if errors.Is(err, syscall.ELOOP) {
		return nil, fmt.Errorf("opening %s: it became a symbolic link (not followed)", strconv.Quote(path))
	}
	if err != nil {
		return nil, err
	}
	info, err := f.Stat()
	if err == nil && !info.Mode().IsRegular() {
		err = fmt.Errorf("opening %s: not a regular file", strconv.Quote(path))
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// mkdirNoLinks creates dir (under base, which must exist) one component at
// a time, refusing any component that is a symbolic link or not a directory.
func mkdirNoLinks(base, dir string) error {
	rel, err := filepath.Rel(base, dir)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return fmt.Errorf("%s is not under %s", strconv.Quote(dir), strconv.Quote(base))
	}
	p := base
	if err := realDir(p, true); err != nil {
		return err
	}
	if rel == "." {
		return nil
	}
	for _, c := range strings.Split(rel, string(filepath.Separator)) {
		p = filepath.Join(p, c)
		if err := realDir(p, false); err != nil {
			return err
		}
	}
	return nil
}

// realDir makes sure p is a directory that is not a symbolic link,
// creating it if missing. A root may be created with its parents.
func realDir(p string, root bool) error {
	info, err := os.Lstat(p)
	if errors.Is(err, os.ErrNotExist) {
		mk := os.Mkdir
		if root {
			mk = os.MkdirAll
		}
		if err = mk(p, 0o750); err == nil || errors.Is(err, os.ErrExist) {
			info, err = os.Lstat(p)
		}
	}
	switch {
	case err != nil:
		return fmt.Errorf("creating %s: %w", strconv.Quote(p), err)
	case info.Mode()&fs.ModeSymlink != 0:
		return fmt.Errorf("%s is a symbolic link: refusing to write through it", strconv.Quote(p))
	case !info.IsDir():
		return fmt.Errorf("%s is not a directory", strconv.Quote(p))
	}
	return nil
}

// createNew creates a file that did not exist (never through a link).
func createNew(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o640)
}
