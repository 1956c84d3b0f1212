package cli

import (
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/dmarc-agent/dmarc-agent/collector"
	"github.com/dmarc-agent/dmarc-agent/pipeline"
)

// walkInputs sends paths (files and directories, recursively) to out as
// messages, as it finds them, in a stable order: arguments as given,
// directory entries in lexical order. It holds no list, so an archive of a
// million files costs no memory. Inside directories, hidden entries (names
// starting with a dot: temporary files of rsync and editors, .DS_Store,
// unfinished archive copies) are skipped; a hidden file named as an argument
// is read. Paths that cannot be read are returned as rejections.
func walkInputs(ctx context.Context, paths []string, out chan<- collector.Message) []pipeline.Rejection {
	var bad []pipeline.Rejection
	for _, root := range paths {
		filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if ctx.Err() != nil {
				return fs.SkipAll
			}
			if err != nil {
				bad = append(bad, pipeline.Rejection{Path: path, Reason: err.Error()})
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if skip, serr := hidden(path, root, d); skip {
				return serr
			}
			if !d.Type().IsRegular() {
				return nil // directories are walked; devices, sockets and links are not reports
			}
			info, err := d.Info()
			if err != nil {
				bad = append(bad, pipeline.Rejection{Path: path, Reason: err.Error()})
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
			return os.Open(path)
		},
		Ack: func(context.Context, collector.Outcome) error { return nil },
	}
}

// countInputs counts what walkInputs would send, reading only directory
// entries, for the progress bar's total.
func countInputs(ctx context.Context, paths []string) int {
	n := 0
	for _, root := range paths {
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
