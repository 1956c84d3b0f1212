package decode

import (
	"bufio"
	"compress/gzip"
	"io"
	"sync"
)

// Every container level needs a sniffing buffer and every gzip layer a
// 32 KiB window: pooled, they are allocated once per worker rather than once
// per report, which is most of what decoding allocated.

var readerPool = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, sniffSize) }}

// getReader returns a sniffSize buffered reader of r; give it back with
// putReader once nothing reads from it any more.
func getReader(r io.Reader) *bufio.Reader {
	br := readerPool.Get().(*bufio.Reader)
	br.Reset(r)
	return br
}

func putReader(br *bufio.Reader) {
	br.Reset(nil) // drop the reference to the source
	readerPool.Put(br)
}

var gzipPool sync.Pool // of *gzip.Reader

// getGzip returns a gzip reader of r, or the header error.
func getGzip(r io.Reader) (*gzip.Reader, error) {
	if zr, ok := gzipPool.Get().(*gzip.Reader); ok {
		if err := zr.Reset(r); err != nil {
			gzipPool.Put(zr)
			return nil, err
		}
		return zr, nil
	}
	return gzip.NewReader(r)
}

func putGzip(zr *gzip.Reader) {
	zr.Close()
	gzipPool.Put(zr)
}
