package decode

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"strings"
	"syscall"
	"testing"
	"time"
)

// bombKernel is one deflated payload: "<feedback>" and then spaces, n
// bytes in all (a valid start, so that a parser would read it to the end).
func bombKernel(t *testing.T, n int) (compressed []byte, crc uint32) {
	t.Helper()
	raw := append([]byte("<feedback>"), bytes.Repeat([]byte{' '}, n-10)...)
	var buf bytes.Buffer
	fw, _ := flate.NewWriter(&buf, flate.BestCompression)
	fw.Write(raw)
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), crc32.ChecksumIEEE(raw)
}

// overlappingZip builds a zip of entries central-directory entries that
// all point at one local header and its deflated data.
func overlappingZip(t *testing.T, entries int, data []byte, crc uint32, size int) []byte {
	t.Helper()
	var b bytes.Buffer
	le := func(v any) { binary.Write(&b, binary.LittleEndian, v) }
	name := "r.xml"
	le(uint32(0x04034b50))
	le([]uint16{20, 0, 8, 0, 0})
	le([]uint32{crc, uint32(len(data)), uint32(size)})
	le([]uint16{uint16(len(name)), 0})
	b.WriteString(name)
	b.Write(data)
	cdStart := b.Len()
	for i := range entries {
		n := fmt.Sprintf("r%04d.xml", i)
		le(uint32(0x02014b50))
		le([]uint16{20, 20, 0, 8, 0, 0})
		le([]uint32{crc, uint32(len(data)), uint32(size)})
		le([]uint16{uint16(len(n)), 0, 0, 0, 0})
		le([]uint32{0, 0}) // external attributes, local header offset 0
		b.WriteString(n)
	}
	cdLen := b.Len() - cdStart
	le(uint32(0x06054b50))
	le([]uint16{0, 0, uint16(entries), uint16(entries)})
	le([]uint32{uint32(cdLen), uint32(cdStart)})
	le(uint16(0))
	return b.Bytes()
}

// cpuTime is the process's user + system CPU time.
func cpuTime(t *testing.T) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// countingWalk walks r, reading every part to the end, and returns the
// parts, the bytes read from them, and the rejections.
func countingWalk(t *testing.T, r io.Reader, opt Options) (parts int, bytesRead int64, rejects []string) {
	t.Helper()
	err := Walk(context.Background(), r, "bomb.zip", opt, func(ctx context.Context, p Part) error {
		parts++
		n, _ := io.Copy(io.Discard, p.Body)
		bytesRead += n
		return nil
	}, func(name string, err error) { rejects = append(rejects, name+": "+err.Error()) })
	if err != nil {
		t.Fatal(err)
	}
	return parts, bytesRead, rejects
}

// The bomb: 1,000 entries over one 58.6 MiB deflated payload, about
// 117 KB, 58.6 GiB inflated. It is refused before a byte is inflated.
func TestOverlappingZipBombIsRefused(t *testing.T) {
	const size = 61_440_000 // 58.6 MiB, under the 64 MiB per-report cap
	data, crc := bombKernel(t, size)
	bomb := overlappingZip(t, 1000, data, crc, size)
	if len(bomb) < 100_000 || len(bomb) > 130_000 {
		t.Fatalf("bomb is %d bytes, want about 117 KB", len(bomb))
	}
	start := cpuTime(t)
	parts, n, rejects := countingWalk(t, bytes.NewReader(bomb), Options{})
	cpu := cpuTime(t) - start
	t.Logf("%d-byte bomb (%d GiB claimed): refused in %v of CPU", len(bomb), int64(size)*1000>>30, cpu)
	want := "bomb.zip: zip archive with overlapping entries (1000 entries, a zip bomb): refused"
	if parts != 0 || n != 0 || len(rejects) != 1 || rejects[0] != want {
		t.Errorf("parts %d, bytes %d, rejects %q; want 0, 0, [%q]", parts, n, rejects, want)
	}
	// A generous bound for a loaded machine; the refusal itself reads
	// 1,000 local headers and inflates nothing.
	if cpu > time.Second {
		t.Errorf("refusing the bomb took %v of CPU, want under 1s", cpu)
	}
}

// Entries that do not overlap but together inflate past the input's
// budget: decompression stops at the budget and the rest is not read.
func TestMessageDecompressionBudget(t *testing.T) {
	const size, entries = 60 << 20, 40
	data, crc := bombKernel(t, size)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := range entries {
		w, err := zw.CreateRaw(&zip.FileHeader{Name: fmt.Sprintf("r%02d.xml", i), Method: zip.Deflate,
			CRC32: crc, CompressedSize64: uint64(len(data)), UncompressedSize64: size})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	const budget = 200 << 20
	start := cpuTime(t)
	parts, n, rejects := countingWalk(t, bytes.NewReader(buf.Bytes()), Options{MaxMessageBytes: budget})
	cpu := cpuTime(t) - start
	t.Logf("%d-byte zip of %d × 60 MiB: %d bytes read in %v of CPU", buf.Len(), entries, n, cpu)
	// Three entries whole (180 MiB), the fourth up to the budget.
	if parts != 4 || n != budget+1 {
		t.Errorf("parts %d, bytes %d; want 4 and %d", parts, n, budget+1)
	}
	want := []string{"bomb.zip: 36 zip entries not read: payload too large: more than 209715200 bytes decompressed from this input in all (decode.max_message_bytes)"}
	if strings.Join(rejects, "|") != strings.Join(want, "|") {
		t.Errorf("rejects %q, want %q", rejects, want)
	}
}

// A zip of zips: the entry count is bounded across the whole input.
func TestMessageZipEntryCap(t *testing.T) {
	var inner []entry
	for i := range 600 {
		inner = append(inner, entry{fmt.Sprintf("r%03d.xml", i), []byte(reportXML)})
	}
	z := zipOf(zip.Store, inner...)
	outer := zipOf(zip.Store, entry{"a.zip", z}, entry{"b.zip", z})
	parts, _, rejects := countingWalk(t, bytes.NewReader(outer), Options{})
	// Entries opened: a.zip, its 600, b.zip, then 398 of b.zip's 600.
	if parts != 998 {
		t.Errorf("parts %d, want 998", parts)
	}
	want := "bomb.zip/b.zip: 202 zip entries not read: more than 1000 zip entries in this input in all"
	if len(rejects) != 1 || rejects[0] != want {
		t.Errorf("rejects %q, want [%q]", rejects, want)
	}
}
