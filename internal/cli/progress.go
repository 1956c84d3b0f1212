package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"
)

// progress draws a bar of finished inputs on stderr when it is a terminal
// and the work is long (more than a second); it is silent otherwise. The
// total comes from a separate count (setTotal) that may finish after the
// work has started; until then only the count is shown. It is also the
// writer of everything else printed on stderr: Write erases the bar before
// a line (the next step draws it again), so log lines and the bar never
// share a line.
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	n     int
	total int
	start time.Time
	last  time.Time
	on    bool
	drawn bool
}

func newProgress(w io.Writer) *progress {
	f, ok := w.(*os.File)
	return &progress{w: w, start: time.Now(), on: ok && term.IsTerminal(int(f.Fd()))}
}

func (p *progress) step() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n++
	if !p.on || time.Since(p.start) < time.Second || time.Since(p.last) < 200*time.Millisecond {
		return
	}
	p.last = time.Now()
	elapsed := time.Since(p.start)
	if p.total >= p.n && p.total > 0 {
		const width = 30
		filled := width * p.n / p.total
		fmt.Fprintf(p.w, "\r[%s%s] %d/%d files, %s", strings.Repeat("=", filled), strings.Repeat(" ", width-filled), p.n, p.total, elapsed.Round(time.Second))
	} else {
		fmt.Fprintf(p.w, "\r%d files, %s", p.n, elapsed.Round(time.Second))
	}
	p.drawn = true
}

// Write writes p to the underlying writer, erasing the bar first.
func (p *progress) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
		p.drawn = false
	}
	return p.w.Write(b)
}

// setTotal records how many inputs there are.
func (p *progress) setTotal(n int) {
	p.mu.Lock()
	p.total = n
	p.mu.Unlock()
}

// active reports whether anything will be drawn.
func (p *progress) active() bool { return p.on }

func (p *progress) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
		p.drawn = false
	}
}
