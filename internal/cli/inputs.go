package cli

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
	"syscall"

	"github.com/dmarc-agent/dmarc-agent/collector"
	"github.com/dmarc-agent/dmarc-agent/pipeline"
)

// walkInputs sends paths (files and directories, recursively) to out as
// messages, as it finds them, in a stable order: arguments as given,
// directory entries in lexical order. It holds no list, so an archive of a
// million files costs no memory. Inside directories, hidden entries (names
// starting with a dot: temporary files of rsync and editors, .DS_Store,
// unfinished archive copies) are skipped; a hidden file named as an argument
// is read. An argument that is a symbolic link is followed (the user named
// it); a link inside a directory is not, and is reported. Named pipes,
// sockets and devices are never read and are reported, as are paths that
// cannot be read: each is returned as a rejection.
func walkInputs(ctx context.Context, paths []string, out chan<- collector.Message) []pipeline.Rejection {
	var bad []pipeline.Rejection
	reject := func(path, reason string) {
		bad = append(bad, pipeline.Rejection{Path: path, Reason: reason, Class: "input"})
	}
	for _, arg := range paths {
		root, file, err := resolveArg(arg)
		if err != nil {
			reject(arg, err.Error())
			continue
		}
		if file != nil { // a link to a file, named by the user: read it under its name
			select {
			case out <- fileMessage(arg, file):
				continue
			case <-ctx.Done():
				return bad
			}
		}
		filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if ctx.Err() != nil {
				return fs.SkipAll
			}
			if err != nil {
				reject(path, err.Error())
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
				reject(path, why)
				return nil
			}
			info, err := d.Info()
			if err != nil {
				reject(path, err.Error())
				return nil
			}
			select {
			case out <- fileMessage(path, info):
				return nil
			case <-ctx.Done():
				return fs.SkipAll
			}
		})
	}
	return bad
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

// notRegular says why a walked entry that is not a directory is not read,
// "" for a regular file.
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
// a root (dot files, unfinished archive copies). For a directory the error
// is fs.SkipDir, so that nothing below it is read either.
func hidden(path, root string, d fs.DirEntry) (bool, error) {
	if path == root || !strings.HasPrefix(d.Name(), ".") {
		return false, nil
	}
	if d.IsDir() {
		return true, fs.SkipDir
	}
	return true, nil
}

func fileMessage(path string, info fs.FileInfo) collector.Message {
	return collector.Message{
		Source:   "file",
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

// countInputs counts what walkInputs would send, reading only directory
// entries, for the progress bar's total.
func countInputs(ctx context.Context, paths []string) int {
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
