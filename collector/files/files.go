// Package files is the source of `ingest PATH...`: the files and folders
// named on the command line, read once, as a stream.
//
// Paths are sent in a stable order (arguments as given, folder entries in
// lexical order) as they are found: no list is held, so a folder of a
// million files costs no memory. Inside folders, hidden entries (names
// starting with a dot: rsync and editor temporaries, .DS_Store, unfinished
// archive copies) are skipped; a hidden file named as an argument is read.
// An argument that is a symbolic link is followed (the user named it); a
// link inside a folder is not. Named pipes, sockets and devices are never
// opened. What is not read is reported (Unreadable) with a reason.
package files

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/dmarc-agent/dmarc-agent/collector"
)

// Name is the source's name in messages, logs and metrics.
const Name = "file"

// Unread is a path the source did not send, with a one-line reason.
type Unread struct {
	Path   string
	Reason string
}

// Source sends the files under the given paths, once.
type Source struct {
	paths []string

	mu  sync.Mutex
	bad []Unread
}

// New returns a source for paths (files and folders, read recursively).
func New(paths []string) *Source { return &Source{paths: paths} }

// Name implements collector.Source.
func (s *Source) Name() string { return Name }

// Unreadable lists the paths not sent, in the order they were met: links
// inside folders, pipes, sockets, devices, paths that could not be read.
func (s *Source) Unreadable() []Unread {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Unread(nil), s.bad...)
}

func (s *Source) reject(path, reason string) {
	s.mu.Lock()
	s.bad = append(s.bad, Unread{Path: path, Reason: reason})
	s.mu.Unlock()
}

// Run implements collector.Source. The paths are read once whatever once
// says; Run returns when every path has been sent (acknowledging a file
// records nothing), or nil early when ctx ends.
func (s *Source) Run(ctx context.Context, out chan<- collector.Message, _ bool) error {
	send := func(m collector.Message) bool {
		select {
		case out <- m:
			return true
		case <-ctx.Done():
			return false
		}
	}
	for _, arg := range s.paths {
		root, file, err := resolveArg(arg)
		if err != nil {
			s.reject(arg, err.Error())
			continue
		}
		if file != nil { // a link to a file, named by the user: read it under its name
			if !send(message(arg, file)) {
				return nil
			}
			continue
		}
		filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if ctx.Err() != nil {
				return fs.SkipAll
			}
			if err != nil {
				s.reject(path, err.Error())
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if skip, serr := hidden(path, root, d); skip {
				return serr
			}
			if d.IsDir() {
				return nil
			}
			if why := notRegular(d.Type()); why != "" {
				s.reject(path, why)
				return nil
			}
			info, err := d.Info()
			if err != nil {
				s.reject(path, err.Error())
				return nil
			}
			if !send(message(path, info)) {
				return fs.SkipAll
			}
			return nil
		})
		if ctx.Err() != nil {
			return nil
		}
	}
	return nil
}

// Count counts what Run would send, reading only folder entries (for a
// progress bar's total).
func Count(ctx context.Context, paths []string) int {
	n := 0
	for _, arg := range paths {
		root, file, err := resolveArg(arg)
		if file != nil {
			n++
		}
		if err != nil || file != nil {
			continue
		}
		filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			switch {
			case ctx.Err() != nil:
				return fs.SkipAll
			case err != nil:
				return nil
			}
			if skip, serr := hidden(path, root, d); skip {
				return serr
			}
			if d.Type().IsRegular() {
				n++
			}
			return nil
		})
	}
	return n
}

// resolveArg follows a command-line argument that is a symbolic link (the
// user named it): a link to a folder gives the folder to walk, a link to a
// regular file gives that file's status. Links to anything else are errors.
func resolveArg(arg string) (root string, file fs.FileInfo, err error) {
	info, err := os.Lstat(arg)
	if err != nil || info.Mode()&fs.ModeSymlink == 0 {
		return arg, nil, nil // WalkDir reports a missing path
	}
	target, err := os.Stat(arg)
	switch {
	case err != nil:
		return "", nil, fmt.Errorf("symbolic link to a missing file: %w", err)
	case target.IsDir():
		dir, err := filepath.EvalSymlinks(arg)
		return dir, nil, err
	case target.Mode().IsRegular():
		return "", target, nil
	}
	return "", nil, errors.New("symbolic link to a file that is " + notRegular(target.Mode()))
}

// notRegular says why a walked entry that is not a folder is not read, ""
// for a regular file.
func notRegular(m fs.FileMode) string {
	switch {
	case m.IsRegular():
		return ""
	case m&fs.ModeSymlink != 0:
		return "symbolic link inside a folder, not followed (name it as an argument to read it)"
	case m&fs.ModeNamedPipe != 0:
		return "not a regular file: a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "not a regular file: a socket"
	case m&fs.ModeDevice != 0:
		return "not a regular file: a device"
	}
	return "not a regular file"
}

// hidden says whether the walks leave d out: a name starting with "." below
// a root (dot files, unfinished archive copies). For a folder the error is
// fs.SkipDir, so that nothing below it is read either.
func hidden(path, root string, d fs.DirEntry) (bool, error) {
	if path == root || !strings.HasPrefix(d.Name(), ".") {
		return false, nil
	}
	if d.IsDir() {
		return true, fs.SkipDir
	}
	return true, nil
}

// message is the message of the regular file at path (info is its
// status). Its Ack records nothing: a one-shot run moves no file.
func message(path string, info fs.FileInfo) collector.Message {
	return collector.Message{
		Source:   Name,
		ID:       path,
		Name:     path,
		Received: info.ModTime().UTC(),
		Open: func(context.Context) (io.ReadCloser, error) {
			// Never blocks on a named pipe put in the file's place.
			f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
			if err != nil {
				return nil, err
			}
			if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
				f.Close()
				return nil, fmt.Errorf("%s is no longer a regular file", strconv.Quote(path))
			}
			return f, nil
		},
		Ack: func(context.Context, collector.Outcome) error { return nil },
	}
}
