package file

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// repairTail makes an existing file end with a whole record before more is
// appended, and returns its size: a torn last line (a process killed in the
// middle of a write, a disk that filled up under another version) is cut
// off, and so is, in a _bulk file (paired), an action line left without
// its document. A missing file has size 0.
func repairTail(path string, paired bool) (int64, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("opening %s: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, fmt.Errorf("reading %s: %w", path, err)
	}
	size := st.Size()
	keep, err := wholeEnd(f, size, paired)
	if err != nil {
		return 0, fmt.Errorf("reading %s: %w", path, err)
	}
	if keep != size {
		if err := f.Truncate(keep); err != nil {
			return 0, fmt.Errorf("cutting the torn end of %s: %w", path, err)
		}
	}
	return keep, nil
}

// wholeEnd returns the offset just after the last whole record.
func wholeEnd(r io.ReaderAt, size int64, paired bool) (int64, error) {
	// nl finds the last '\n' before end, or -1.
	nl := func(end int64) (int64, error) {
		buf := make([]byte, 64<<10)
		for end > 0 {
			start := max(end-int64(len(buf)), 0)
			b := buf[:end-start]
			if _, err := r.ReadAt(b, start); err != nil && !errors.Is(err, io.EOF) {
				return 0, err
			}
			if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
				return start + int64(i), nil
			}
			end = start
		}
		return -1, nil
	}
	last, err := nl(size)
	if err != nil {
		return 0, err
	}
	keep := last + 1 // after the last newline: a torn line is dropped
	if !paired || keep == 0 {
		return keep, nil
	}
	// Is the last whole line an action line without its document?
	prev, err := nl(last)
	if err != nil {
		return 0, err
	}
	head := make([]byte, min(int64(12), last-prev-1))
	if _, err := r.ReadAt(head, prev+1); err != nil && !errors.Is(err, io.EOF) {
		return 0, err
	}
	if bytes.HasPrefix(head, []byte(`{"create":{`)) || bytes.HasPrefix(head, []byte(`{"index":{`)) {
		return prev + 1, nil
	}
	return keep, nil
}
