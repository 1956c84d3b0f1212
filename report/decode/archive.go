package decode

import (
	"archive/zip"
	"bufio"
	"bytes"
	"cmp"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

func (w *walker) gzip(br *bufio.Reader, name string, depth int, sc sniffCtx) error {
	if w.budgetSpent() {
		w.rej(name, fmt.Errorf("not decompressed: %w", w.budgetError()))
		return nil
	}
	zr, err := getGzip(br)
	if err != nil {
		w.rej(name, fmt.Errorf("corrupt gzip: %w", err))
		return nil
	}
	defer putGzip(zr)
	zr.Multistream(false)
	return w.walk(w.capped(layerReader{w.inflating(&gzipMembers{zr: zr, br: br, w: w}), "gzip data"}), name, depth+1, sc)
}

// gzipMembers reads the members of a gzip stream one after another and,
// as `gzip -d` does, ignores bytes after a member that do not begin another
// one (a CRLF or padding a mail gateway added): the repair
// RepairGzipTrailing. A member cut short is still an error.
type gzipMembers struct {
	zr       *gzip.Reader
	br       *bufio.Reader
	w        *walker
	trailing bool
}

func (g *gzipMembers) Read(p []byte) (int, error) {
	for {
		n, err := g.zr.Read(p)
		if err != io.EOF || g.trailing {
			return n, err
		}
		next, _ := g.br.Peek(2)
		switch {
		case len(next) == 0:
			return n, io.EOF
		case len(next) == 2 && next[0] == 0x1f && next[1] == 0x8b:
			if err := g.zr.Reset(g.br); err != nil {
				return n, err
			}
			g.zr.Multistream(false)
			if n > 0 {
				return n, nil
			}
		default:
			g.trailing = true
			g.w.note(RepairGzipTrailing)
			return n, io.EOF
		}
	}
}

func (w *walker) zip(br *bufio.Reader, name string, depth int, sc sniffCtx) error {
	ra, size, cleanup, err := w.zipSource(br, depth)
	if err != nil {
		w.rej(name, err)
		return nil
	}
	defer cleanup()
	if n, ok := zipEntryCount(ra, size); ok && n > maxZipEntries {
		w.rej(name, fmt.Errorf("zip archive with %d entries (more than %d)", n, maxZipEntries))
		return nil
	}
	zr, err := zip.NewReader(ra, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		w.rej(name, fmt.Errorf("corrupt or truncated zip: %w", err))
		return nil
	}
	if len(zr.File) > maxZipEntries {
		w.rej(name, fmt.Errorf("zip archive with %d entries (more than %d)", len(zr.File), maxZipEntries))
		return nil
	}
	if len(zr.File) == 0 && !sc.quiet {
		w.rej(name, errors.New("empty zip archive"))
		return nil
	}
	if reason := overlapping(zr.File); reason != "" {
		w.rej(name, errors.New(reason))
		return nil
	}
	for i, f := range zr.File {
		if f.FileInfo().IsDir() || strings.HasPrefix(f.Name, "__MACOSX/") {
			continue
		}
		if w.budgetSpent() || w.zipEntries >= maxMessageZipEntries {
			why := w.budgetError()
			if !w.budgetSpent() {
				why = fmt.Errorf("more than %d zip entries in this input in all", maxMessageZipEntries)
			}
			w.rej(name, fmt.Errorf("%d zip entries not read: %w", len(zr.File)-i, why))
			return nil
		}
		w.zipEntries++
		ename := name + "/" + cleanName(f.Name)
		if f.UncompressedSize64 > uint64(w.opt.MaxBytes) {
			w.rej(ename, fmt.Errorf("%w: zip entry of %d bytes (limit %d)", ErrTooLarge, f.UncompressedSize64, w.opt.MaxBytes))
			continue
		}
		rc, err := f.Open()
		if err != nil {
			w.rej(ename, fmt.Errorf("corrupt zip entry: %w", err))
			continue
		}
		err = w.walk(w.capped(layerReader{w.inflating(rc), "zip entry"}), ename, depth+1, sc)
		rc.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// overlapping refuses an archive whose entries share bytes: no zip tool
// writes one, and it is how a zip of a few KiB claims gigabytes (many
// entries pointing at the same compressed data).
func overlapping(files []*zip.File) string {
	type span struct{ start, end int64 }
	spans := make([]span, 0, len(files))
	for _, f := range files {
		off, err := f.DataOffset()
		if err != nil {
			continue // reported when the entry is opened
		}
		start := off - 30 - int64(len(f.Name)) // at least the local header
		spans = append(spans, span{max(0, start), off + int64(f.CompressedSize64)})
	}
	slices.SortFunc(spans, func(a, b span) int { return cmp.Compare(a.start, b.start) })
	for i := 1; i < len(spans); i++ {
		if spans[i].start < spans[i-1].end {
			return fmt.Sprintf("zip archive with overlapping entries (%d entries, a zip bomb): refused", len(files))
		}
	}
	return ""
}

// zipSource gives random access to the archive: the input file itself at
// the top, else a copy in memory, spilled to a temporary file past
// zipMemory. The archive may not exceed Options.MaxBytes.
func (w *walker) zipSource(br *bufio.Reader, depth int) (io.ReaderAt, int64, func(), error) {
	if depth == 0 && w.topRA != nil {
		return w.topRA, w.topSize, func() {}, nil
	}
	var mem bytes.Buffer
	n, err := io.Copy(&mem, io.LimitReader(br, zipMemory))
	if err != nil {
		return nil, 0, nil, err
	}
	if n < zipMemory {
		return bytes.NewReader(mem.Bytes()), n, func() {}, nil
	}
	f, err := os.CreateTemp("", "dmarc-agent-zip-*")
	if err != nil {
		return nil, 0, nil, fmt.Errorf("buffering zip archive: %w", err)
	}
	cleanup := func() { f.Close(); os.Remove(f.Name()) }
	total, err := io.Copy(f, io.MultiReader(&mem, io.LimitReader(br, w.opt.MaxBytes+1-n)))
	switch {
	case err != nil:
		cleanup()
		return nil, 0, nil, err
	case total > w.opt.MaxBytes:
		cleanup()
		return nil, 0, nil, fmt.Errorf("%w: zip archive larger than %d bytes", ErrTooLarge, w.opt.MaxBytes)
	}
	return f, total, cleanup, nil
}

// zipEntryCount reads the entry count from the end-of-central-directory
// record (zip64 too), so that an archive claiming millions of entries is
// refused before archive/zip allocates them.
func zipEntryCount(ra io.ReaderAt, size int64) (uint64, bool) {
	const eocdLen, maxComment = 22, 65535
	start := max(0, size-eocdLen-maxComment)
	tail := make([]byte, size-start)
	if _, err := ra.ReadAt(tail, start); err != nil && err != io.EOF {
		return 0, false
	}
	i := bytes.LastIndex(tail, []byte("PK\x05\x06"))
	if i < 0 || len(tail)-i < eocdLen {
		return 0, false
	}
	n := uint64(binary.LittleEndian.Uint16(tail[i+10:]))
	if n != 0xffff {
		return n, true
	}
	// zip64: the locator sits just before the record.
	if i < 20 || string(tail[i-20:i-16]) != "PK\x06\x07" {
		return n, true
	}
	off := int64(binary.LittleEndian.Uint64(tail[i-20+8:]))
	rec := make([]byte, 56)
	if off < 0 || off > size-56 {
		return 0, false
	}
	if _, err := ra.ReadAt(rec, off); err != nil || string(rec[:4]) != "PK\x06\x06" {
		return 0, false
	}
	return binary.LittleEndian.Uint64(rec[32:]), true
}

// cleanName makes an entry or attachment name safe to show and to join
// into Part.Name.
func cleanName(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '/' || r == '\\':
			return '_'
		case r < ' ' || r == 0x7f || r == '\uFFFD':
			return -1
		}
		return r
	}, strings.TrimRight(s, "/"))
	if s == "" {
		s = "unnamed"
	}
	return truncate(s, 200)
}
