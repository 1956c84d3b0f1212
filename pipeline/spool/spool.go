// Package spool holds the encoded documents of a message in memory, within
// a budget shared by every message in flight, and spills the rest to an
// unlinked temporary file.
package spool

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"slices"

	"github.com/dmarc-agent/dmarc-agent/output"
)

// Spool holds the encoded documents of one message until every report in it
// has been parsed, so a report is handed to the output whole or not at all.
// The first memLimit bytes stay in memory; the rest spills to a temporary
// file, so a report of a million records needs little memory. The memory of
// all spools comes from one budget shared by the messages in flight: when it
// is spent, a spool spills to its file at once.
type Spool struct {
	memLimit int
	tempDir  string
	// spillMax bounds the bytes spilled to the file (NewBounded); negative
	// is unbounded. spilled counts them.
	spillMax int64
	spilled  int64
	budget   *Budget
	// chunks hold the in-memory part, filled in order. Chunks rather than one
	// growing slice: nothing is copied as the spool grows, and each byte is
	// allocated once.
	chunks [][]byte
	memLen int // bytes in chunks
	file   *os.File
	w      *bufio.Writer
	count  int
	hdr    [binary.MaxVarintLen64]byte
}

// Chunk sizes: the first is small (most messages hold a few documents),
// each next one doubles, up to chunkMax.
const (
	chunkMin = 4 << 10
	chunkMax = 1 << 20
)

// spillBuffer buffers a spool file's writes and reads. Small: when the
// memory budget is spent, every message in flight may have a spool file.
const spillBuffer = 32 << 10

// New returns an empty spool keeping up to memLimit bytes in memory, paid
// from budget (nil: unlimited); spill files go to tempDir ("" for os.TempDir).
func New(memLimit int, tempDir string, budget *Budget) *Spool {
	return &Spool{memLimit: memLimit, tempDir: tempDir, budget: budget, spillMax: -1}
}

// ErrFull is what Add returns, on a spool made by NewBounded, for a
// document that neither its memory nor its spill allowance can hold.
var ErrFull = errors.New("spool full")

// NewBounded returns a spool like New that spills at most spillMax bytes
// (0: never): a document beyond that is refused with ErrFull. The caller
// then has the message's documents produced again and streamed instead of
// held, so that a huge report needs no more temporary disk than spillMax.
func NewBounded(memLimit int, tempDir string, spillMax int64, budget *Budget) *Spool {
	return &Spool{memLimit: memLimit, tempDir: tempDir, budget: budget, spillMax: max(spillMax, 0)}
}

// Mark is a position to roll back to when a report turns out invalid.
type Mark struct {
	chunks, chunkLen int // number of chunks, length of the last one
	memLen           int
	fileLen          int64
	count            int
	inFile           bool
}

// Mark returns the current position.
func (s *Spool) Mark() (Mark, error) {
	m := Mark{chunks: len(s.chunks), memLen: s.memLen, count: s.count}
	if len(s.chunks) > 0 {
		m.chunkLen = len(s.chunks[len(s.chunks)-1])
	}
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

// Rollback drops everything added after m.
func (s *Spool) Rollback(m Mark) error {
	for _, c := range s.chunks[m.chunks:] { // give back the chunks started after m
		s.budget.Return(c)
	}
	clear(s.chunks[m.chunks:])
	s.chunks = s.chunks[:m.chunks]
	if m.chunks > 0 {
		s.chunks[m.chunks-1] = s.chunks[m.chunks-1][:m.chunkLen]
	}
	s.memLen = m.memLen
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
	s.spilled = size
	if err := s.file.Truncate(size); err != nil {
		return fmt.Errorf("truncating spool: %w", err)
	}
	if _, err := s.file.Seek(size, io.SeekStart); err != nil {
		return fmt.Errorf("seeking spool: %w", err)
	}
	return nil
}

// Add appends one document.
func (s *Spool) Add(index, id string, body []byte) error {
	s.count++
	if need := len(index) + len(id) + len(body) + 3*binary.MaxVarintLen64; s.file == nil && s.memLen+need <= s.memLimit {
		if c := s.room(need); c != nil {
			n0 := len(*c)
			*c = appendField(appendField(appendField(*c, index), id), body)
			s.memLen += len(*c) - n0
			return nil
		}
	}
	need := int64(len(index) + len(id) + len(body) + 3*binary.MaxVarintLen64)
	if s.spillMax >= 0 && s.spilled+need > s.spillMax {
		s.count--
		return ErrFull
	}
	s.spilled += need // an upper bound: the headers are shorter
	if s.file == nil {
		f, err := os.CreateTemp(s.tempDir, "dmarc-agent-spool-*")
		if err != nil {
			return fmt.Errorf("creating spool file: %w", err)
		}
		os.Remove(f.Name()) // unlinked: the space is freed whatever happens to the process
		s.file, s.w = f, bufio.NewWriterSize(f, spillBuffer)
	}
	// The buffered writer keeps its first error: checking the last write is enough.
	s.writeHeader(len(index))
	s.w.WriteString(index)
	s.writeHeader(len(id))
	s.w.WriteString(id)
	s.writeHeader(len(body))
	if _, err := s.w.Write(body); err != nil {
		return fmt.Errorf("writing spool: %w", err)
	}
	return nil
}

func (s *Spool) writeHeader(n int) {
	k := binary.PutUvarint(s.hdr[:], uint64(n))
	s.w.Write(s.hdr[:k])
}

// room returns the last chunk, or a new one, with at least need bytes free;
// nil when a new chunk is needed and the shared budget cannot pay for it.
func (s *Spool) room(need int) *[]byte {
	if n := len(s.chunks); n == 0 || cap(s.chunks[n-1])-len(s.chunks[n-1]) < need {
		size := chunkMin << min(len(s.chunks), 16)
		size = max(min(size, chunkMax, s.memLimit-s.memLen), need)
		c := s.budget.Chunk(size)
		if c == nil {
			return nil
		}
		s.chunks = append(s.chunks, c)
	}
	return &s.chunks[len(s.chunks)-1]
}

func appendField[B []byte | string](dst []byte, b B) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(b)))
	return append(dst, b...)
}

// Len is the number of documents held.
func (s *Spool) Len() int { return s.count }

// Docs yields the documents in the order they were added.
func (s *Spool) Docs() iter.Seq2[output.Doc, error] {
	return func(yield func(output.Doc, error) bool) {
		var index string // documents of a report share their index: one string for all
		for _, rest := range s.chunks {
			for len(rest) > 0 {
				var f [3][]byte
				for i := range f {
					n, k := binary.Uvarint(rest)
					f[i], rest = rest[k:k+int(n)], rest[k+int(n):]
				}
				if string(f[0]) != index {
					index = string(f[0])
				}
				if !yield(output.Doc{Index: index, ID: string(f[1]), Body: f[2]}, nil) {
					return
				}
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
		r := bufio.NewReaderSize(s.file, spillBuffer)
		var scratch []byte
		var id string
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
				if i < 2 { // index and id become strings: read them into scratch
					scratch = slices.Grow(scratch[:0], int(n))[:n]
					f[i] = scratch
				} else {
					f[i] = make([]byte, n) // outputs may keep what they are given
				}
				if _, err := io.ReadFull(r, f[i]); err != nil {
					yield(output.Doc{}, fmt.Errorf("reading spool: %w", err))
					return
				}
				if i == 0 && string(f[0]) != index {
					index = string(f[0])
				}
				if i == 1 {
					id = string(f[1])
				}
			}
			if !yield(output.Doc{Index: index, ID: id, Body: f[2]}, nil) {
				return
			}
		}
	}
}

// Release is Close, and lets the next spools reuse the memory chunks. Call
// it only when nothing holds a document that Docs yielded (their bodies
// point into the chunks): the output acknowledged every one, or none was
// yielded.
func (s *Spool) Release() error {
	for _, c := range s.chunks {
		s.budget.Return(c)
	}
	clear(s.chunks)
	s.chunks = nil
	return s.Close()
}

// Close gives the memory back to the budget, without reusing it (an output
// may still hold documents), and closes the spool file. Safe to call twice.
func (s *Spool) Close() error {
	for _, c := range s.chunks {
		s.budget.Give(cap(c))
	}
	clear(s.chunks)
	s.chunks, s.memLen = nil, 0
	if s.file == nil {
		return nil
	}
	err := s.file.Close()
	s.file, s.w = nil, nil
	return err
}
