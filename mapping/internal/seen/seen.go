// Package seen counts how often each 64-bit key was met so far, exactly,
// in bounded memory: what mapping needs for the ordinal of identical
// records within a report of any size.
//
// Keys are counted in an in-memory table of at most MemKeys entries. When
// it is full, its entries are sorted and appended to an unlinked temporary
// file as a run, and the table starts empty. A key missing from the table
// is looked up in the runs, newest first (the newest holds its latest
// count), behind a Bloom filter of fixed size that answers "never spilled"
// for nearly every new key without touching the file. Memory: the table,
// the filter (4 MiB, made at the first spill) and a sparse index of the
// runs (8 bytes per 256 spilled entries).
package seen

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
)

// MemKeys is the default bound of the in-memory table.
const MemKeys = 1 << 17

const (
	entrySize = 12      // key (8 bytes) and count (4), little-endian
	stride    = 256     // entries per sparse-index step
	bloomBits = 1 << 23 // 1 MiB
	bloomK    = 4       // probes per key
	bloomMask = bloomBits - 1
)

// Counter counts keys. It is not safe for concurrent use.
type Counter struct {
	memKeys int
	dir     string
	mem     map[uint64]uint32

	file  *os.File
	size  int64 // bytes written to file
	runs  []run
	bloom []uint64
	buf   []byte
	keys  []entry
	err   error // the first I/O error; every later Next returns it
}

type entry struct {
	key   uint64
	count uint32
}

// run is one sorted spill of the table.
type run struct {
	off   int64    // of its first entry in the file
	n     int      // entries
	index []uint64 // key of entry i*stride
}

// New returns a counter holding at most memKeys keys in memory (MemKeys
// when <= 0) and spilling the rest to a temporary file in dir ("" for
// os.TempDir()).
func New(memKeys int, dir string) *Counter {
	if memKeys <= 0 {
		memKeys = MemKeys
	}
	return &Counter{memKeys: memKeys, dir: dir, mem: make(map[uint64]uint32)}
}

// SetDir sets the directory of the spill file, before the first spill.
func (c *Counter) SetDir(dir string) { c.dir = dir }

// Next returns how many times key was met before, and counts this time.
// An error (the spill file could not be written or read) is returned by
// this and every later call: the count would not be known for sure.
func (c *Counter) Next(key uint64) (uint32, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, ok := c.mem[key]
	if !ok && c.bloom != nil && c.mayHave(key) {
		var err error
		if n, err = c.lookup(key); err != nil {
			c.err = err
			return 0, err
		}
	}
	if !ok && len(c.mem) >= c.memKeys {
		if err := c.spill(); err != nil {
			c.err = err
			return 0, err
		}
	}
	c.mem[key] = n + 1
	return n, nil
}

// Close removes the spill file.
func (c *Counter) Close() error {
	clear(c.mem)
	if c.file == nil {
		return nil
	}
	err := c.file.Close()
	c.file = nil
	return err
}

// spill appends the table, sorted, to the file as a new run.
func (c *Counter) spill() error {
	if c.file == nil {
		f, err := os.CreateTemp(c.dir, "dmarc-agent-seen-*")
		if err != nil {
			return fmt.Errorf("creating the duplicate-record file: %w", err)
		}
		os.Remove(f.Name()) // unlinked: freed whatever happens to the process
		c.file = f
		c.bloom = make([]uint64, bloomBits/64)
	}
	keys := c.keys[:0]
	for k, n := range c.mem {
		keys = append(keys, entry{k, n})
	}
	slices.SortFunc(keys, func(a, b entry) int {
		switch {
		case a.key < b.key:
			return -1
		case a.key > b.key:
			return 1
		}
		return 0
	})
	r := run{off: c.size, n: len(keys), index: make([]uint64, 0, (len(keys)+stride-1)/stride)}
	c.buf = c.buf[:0]
	for i, e := range keys {
		if i%stride == 0 {
			r.index = append(r.index, e.key)
		}
		c.buf = binary.LittleEndian.AppendUint64(c.buf, e.key)
		c.buf = binary.LittleEndian.AppendUint32(c.buf, e.count)
		c.add(e.key)
	}
	if _, err := c.file.WriteAt(c.buf, c.size); err != nil {
		return fmt.Errorf("writing the duplicate-record file: %w", err)
	}
	c.size += int64(len(c.buf))
	c.runs = append(c.runs, r)
	c.keys = keys[:0]
	clear(c.mem)
	// Runs of similar size are merged, so that there are O(log n) of them
	// to look a key up in.
	for n := len(c.runs); n >= 2 && c.runs[n-2].n <= 2*c.runs[n-1].n; n = len(c.runs) {
		m, err := c.merge(&c.runs[n-2], &c.runs[n-1])
		if err != nil {
			return err
		}
		c.runs = append(c.runs[:n-2], m)
	}
	return nil
}

// merge writes the union of two runs at the end of the file; for a key in
// both, the newer run's count (the larger) wins. The space of the two runs
// is not reused: the file holds O(n log n) bytes for n spilled keys.
func (c *Counter) merge(older, newer *run) (run, error) {
	ra := bufio.NewReaderSize(io.NewSectionReader(c.file, older.off, int64(older.n)*entrySize), 64<<10)
	rb := bufio.NewReaderSize(io.NewSectionReader(c.file, newer.off, int64(newer.n)*entrySize), 64<<10)
	w := bufio.NewWriterSize(io.NewOffsetWriter(c.file, c.size), 64<<10)
	m := run{off: c.size}
	var ea, eb [entrySize]byte
	next := func(r *bufio.Reader, e *[entrySize]byte, left *int) (bool, error) {
		if *left == 0 {
			return false, nil
		}
		*left--
		_, err := io.ReadFull(r, e[:])
		return err == nil, err
	}
	na, nb := older.n, newer.n
	okA, err := next(ra, &ea, &na)
	if err != nil {
		return m, fmt.Errorf("reading the duplicate-record file: %w", err)
	}
	okB, err := next(rb, &eb, &nb)
	if err != nil {
		return m, fmt.Errorf("reading the duplicate-record file: %w", err)
	}
	for okA || okB {
		ka, kb := binary.LittleEndian.Uint64(ea[:]), binary.LittleEndian.Uint64(eb[:])
		var e [entrySize]byte // copied: the next read overwrites ea or eb
		switch {
		case okA && (!okB || ka < kb):
			e = ea
			okA, err = next(ra, &ea, &na)
		case okB && (!okA || kb < ka):
			e = eb
			okB, err = next(rb, &eb, &nb)
		default: // the same key in both: the newer count
			e = eb
			if okA, err = next(ra, &ea, &na); err == nil {
				okB, err = next(rb, &eb, &nb)
			}
		}
		if m.n%stride == 0 {
			m.index = append(m.index, binary.LittleEndian.Uint64(e[:]))
		}
		m.n++
		w.Write(e[:])
		if err != nil {
			return m, fmt.Errorf("reading the duplicate-record file: %w", err)
		}
	}
	if err := w.Flush(); err != nil {
		return m, fmt.Errorf("writing the duplicate-record file: %w", err)
	}
	c.size += int64(m.n) * entrySize
	return m, nil
}

// lookup returns the count of key in the newest run that has it, 0 if none.
func (c *Counter) lookup(key uint64) (uint32, error) {
	for i := len(c.runs) - 1; i >= 0; i-- {
		r := &c.runs[i]
		// The block that may hold key: the last whose first key is <= key.
		b := sort.Search(len(r.index), func(j int) bool { return r.index[j] > key }) - 1
		if b < 0 {
			continue
		}
		first := b * stride
		n := min(stride, r.n-first)
		if cap(c.buf) < n*entrySize {
			c.buf = make([]byte, n*entrySize)
		}
		blk := c.buf[:n*entrySize]
		if _, err := c.file.ReadAt(blk, r.off+int64(first)*entrySize); err != nil {
			return 0, fmt.Errorf("reading the duplicate-record file: %w", err)
		}
		j := sort.Search(n, func(j int) bool { return binary.LittleEndian.Uint64(blk[j*entrySize:]) >= key })
		if j < n && binary.LittleEndian.Uint64(blk[j*entrySize:]) == key {
			return binary.LittleEndian.Uint32(blk[j*entrySize+8:]), nil
		}
	}
	return 0, nil
}

// Bloom filter probes: the key is already a hash; double hashing spreads
// the probes.
func probes(key uint64) (h1, h2 uint64) { return key, key>>32 | key<<32 | 1 }

func (c *Counter) add(key uint64) {
	h1, h2 := probes(key)
	for i := range uint64(bloomK) {
		p := (h1 + i*h2) & bloomMask
		c.bloom[p/64] |= 1 << (p % 64)
	}
}

func (c *Counter) mayHave(key uint64) bool {
	h1, h2 := probes(key)
	for i := range uint64(bloomK) {
		p := (h1 + i*h2) & bloomMask
		if c.bloom[p/64]&(1<<(p%64)) == 0 {
			return false
		}
	}
	return true
}

// Spilled reports how many runs were written (for tests).
func (c *Counter) Spilled() int { return len(c.runs) }
