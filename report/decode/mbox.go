package decode

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// mbox walks each message of an mbox file. A message starts at a "From "
// line that follows a blank line (or starts the file); ">From " lines are
// unescaped (mboxrd). Messages stream: none is held in memory whole.
func (w *walker) mbox(br *bufio.Reader, name string, depth int) error {
	for i := 1; ; i++ {
		if _, err := readLine(br, maxHeaderBytes); err != nil {
			switch {
			case err == errLineTooLong:
				w.rej(name, fmt.Errorf("mbox separator line %d longer than %d bytes", i, maxHeaderBytes))
			case err != io.EOF:
				w.rej(name, fmt.Errorf("reading mbox: %w", err))
			case i == 1:
				w.rej(name, errors.New("mbox without messages"))
			}
			return nil // the "From " line was the last one
		}
		m := &mboxMessage{br: br, atStart: true}
		err := w.walk(m, fmt.Sprintf("%s/#%d", name, i), depth+1, ctxLoud)
		if err != nil {
			return err
		}
		if _, err := io.Copy(io.Discard, m); err != nil {
			w.rej(name, fmt.Errorf("reading mbox: %w", err))
			return nil
		}
		if m.eof {
			return nil
		}
	}
}

// mboxMessage reads one message of an mbox, up to the next separator.
type mboxMessage struct {
	br        *bufio.Reader
	pending   []byte // the rest of the current line piece
	atStart   bool   // at the start of a line
	prevBlank bool   // the previous line was blank
	done, eof bool
	err       error
}

func (m *mboxMessage) Read(p []byte) (int, error) {
	for len(m.pending) == 0 {
		if m.done {
			if m.err != nil {
				return 0, m.err
			}
			return 0, io.EOF
		}
		if m.atStart && m.prevBlank {
			if b, _ := m.br.Peek(5); string(b) == "From " {
				m.done = true
				continue
			}
		}
		line, err := m.br.ReadSlice('\n')
		if m.atStart {
			m.prevBlank = len(bytes.TrimRight(line, "\r\n")) == 0 && len(line) > 0 && line[len(line)-1] == '\n'
			if len(line) > 5 && line[0] == '>' && bytes.HasPrefix(bytes.TrimLeft(line, ">"), []byte("From ")) {
				line = line[1:]
			}
		}
		m.atStart = err == nil
		m.pending = line
		if err != nil && err != bufio.ErrBufferFull {
			m.done, m.eof = true, true
			if err != io.EOF {
				m.err = err
			}
		}
	}
	n := copy(p, m.pending)
	m.pending = m.pending[n:]
	return n, nil
}
