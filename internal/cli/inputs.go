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

// fileInputs expands paths (files and directories, recursively) into
// messages in a stable order: arguments as given, directory entries in
// lexical order. Inside directories, hidden entries (names starting with a
// dot: temporary files of rsync and editors, .DS_Store, unfinished archive
// copies) are skipped; a hidden file named as an argument is read. Paths that
// cannot be read become rejections.
func fileInputs(paths []string) ([]collector.Message, []pipeline.Rejection) {
	var msgs []collector.Message
	var bad []pipeline.Rejection
	for _, root := range paths {
		filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				bad = append(bad, pipeline.Rejection{Path: path, Reason: err.Error()})
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if path != root && strings.HasPrefix(d.Name(), ".") {
				if d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if !d.Type().IsRegular() {
				return nil // directories are walked; devices, sockets and links are not reports
			}
			info, err := d.Info()
			if err != nil {
				bad = append(bad, pipeline.Rejection{Path: path, Reason: err.Error()})
				return nil
			}
			msgs = append(msgs, fileMessage(path, info))
			return nil
		})
	}
	return msgs, bad
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
