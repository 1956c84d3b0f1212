package pipeline

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"

	"github.com/dmarc-agent/dmarc-agent/output"
)

// spool holds the encoded documents of one message until every report in it
// has been parsed, so a report is handed to the output whole or not at all.
// The first memLimit bytes stay in memory; the rest spills to a temporary
// file, so a report of a million records needs little memory.
type spool struct {
	memLimit int
	tempDir  string
	mem      []byte
	file     *os.File
	w        *bufio.Writer
	count    int
	hdr      [binary.MaxVarintLen64]byte
}

func newSpool(memLimit int, tempDir string) *spool {
	return &spool{memLimit: memLimit, tempDir: tempDir}
}

// mark is a position to roll back to when a report turns out invalid.
type mark struct {
	memLen  int
	fileLen int64
	count   int
	inFile  bool
}

func (s *spool) mark() (mark, error) {
	m := mark{memLen: len(s.mem), count: s.count}
	if s.file != nil {
		if err := s.w.Flush(); err != nil {
			return m, fmt.Errorf("flushing spool: %w", err)
		}
		off, err := s.file.Seek(0, io.SeekCurrent)
		if err != nil {
			return m, fmt.Errorf("reading spool offset: %w", err)
		}
		m.fileLen, m.inFile = off, true
	}
	return m, nil
}

// rollback drops everything added after m.
func (s *spool) rollback(m mark) error {
	s.mem = s.mem[:m.memLen]
	s.count = m.count
	if s.file == nil {
		return nil
	}
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("flushing spool: %w", err)
	}
	size := int64(0)
	if m.inFile {
		size = m.fileLen
	}
	if err := s.file.Truncate(size); err != nil {
		return fmt.Errorf("truncating spool: %w", err)
	}
	if _, err := s.file.Seek(size, io.SeekStart); err != nil {
		return fmt.Errorf("seeking spool: %w", err)
	}
	return nil
}

// add appends one document.
func (s *spool) add(index, id string, body []byte) error {
	s.count++
	if s.file == nil && len(s.mem)+len(index)+len(id)+len(body)+30 <= s.memLimit {
		s.mem = appendField(s.mem, []byte(index))
		s.mem = appendField(s.mem, []byte(id))
		s.mem = appendField(s.mem, body)
		return nil
	}
	if s.file == nil {
		f, err := os.CreateTemp(s.tempDir, "dmarc-agent-spool-*")
		if err != nil {
			return fmt.Errorf("creating spool file: %w", err)
		}
		os.Remove(f.Name()) // unlinked: the space is freed whatever happens to the process
		s.file, s.w = f, bufio.NewWriterSize(f, 256<<10)
	}
	for _, b := range [][]byte{[]byte(index), []byte(id), body} {
		n := binary.PutUvarint(s.hdr[:], uint64(len(b)))
		s.w.Write(s.hdr[:n])
		if _, err := s.w.Write(b); err != nil {
			return fmt.Errorf("writing spool: %w", err)
		}
	}
	return nil
}

func appendField(dst, b []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(b)))
	return append(dst, b...)
}

// Len is the number of documents held.
func (s *spool) Len() int { return s.count }

// docs yields the documents in the order they were added.
func (s *spool) docs() iter.Seq2[output.Doc, error] {
	return func(yield func(output.Doc, error) bool) {
		rest := s.mem
		for len(rest) > 0 {
			var f [3][]byte
			for i := range f {
				n, k := binary.Uvarint(rest)
				f[i], rest = rest[k:k+int(n)], rest[k+int(n):]
			}
			if !yield(output.Doc{Index: string(f[0]), ID: string(f[1]), Body: f[2]}, nil) {
				return
			}
		}
		if s.file == nil {
			return
		}
		if err := s.w.Flush(); err != nil {
			yield(output.Doc{}, fmt.Errorf("flushing spool: %w", err))
			return
		}
		if _, err := s.file.Seek(0, io.SeekStart); err != nil {
			yield(output.Doc{}, fmt.Errorf("rewinding spool: %w", err))
			return
		}
		r := bufio.NewReaderSize(s.file, 256<<10)
		for {
			var f [3][]byte
			for i := range f {
				n, err := binary.ReadUvarint(r)
				if i == 0 && errors.Is(err, io.EOF) {
					s.file.Seek(0, io.SeekEnd)
					return
				}
				if err != nil {
					yield(output.Doc{}, fmt.Errorf("reading spool: %w", err))
					return
				}
				f[i] = make([]byte, n) // outputs may keep what they are given
				if _, err := io.ReadFull(r, f[i]); err != nil {
					yield(output.Doc{}, fmt.Errorf("reading spool: %w", err))
					return
				}
			}
			if !yield(output.Doc{Index: string(f[0]), ID: string(f[1]), Body: f[2]}, nil) {
				return
			}
		}
	}
}

// Close releases the spool file.
func (s *spool) Close() error {
	s.mem = nil
	if s.file == nil {
		return nil
	}
	err := s.file.Close()
	s.file, s.w = nil, nil
	return err
}
