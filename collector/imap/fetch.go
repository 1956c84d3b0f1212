package imap

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// body fetches one message (BODY.PEEK[], so \Seen is not set). Messages up
// to max_memory_bytes are read into memory, bigger ones stream into an
// unlinked temporary file; one fetch runs at a time per connection.
func (s *Source) body(ctx context.Context, ss *session, uid imap.UID, size int64) (io.ReadCloser, error) {
	ss.fetchMu.Lock()
	defer ss.fetchMu.Unlock()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cmd := ss.c.Fetch(imap.UIDSetNum(uid), &imap.FetchOptions{
		UID: true, BodySection: []*imap.FetchItemBodySection{{Peek: true}},
	})
	var body io.ReadCloser
	var readErr error
	for m := cmd.Next(); m != nil; m = cmd.Next() {
		for item := m.Next(); item != nil; item = m.Next() {
			b, ok := item.(imapclient.FetchItemDataBodySection)
			if !ok || b.Literal == nil || body != nil || readErr != nil {
				continue
			}
			body, readErr = s.spool(b.Literal, size)
		}
	}
	err := cmd.Close()
	if err == nil {
		err = readErr
	}
	if err != nil {
		if body != nil {
			body.Close()
		}
		return nil, fmt.Errorf("fetching imap message %d: %w", uid, err)
	}
	if body == nil {
		return nil, fmt.Errorf("fetching imap message %d: no longer in the mailbox", uid)
	}
	return body, nil
}

// spool copies a literal into memory or, past max_memory_bytes, a file.
func (s *Source) spool(r io.Reader, size int64) (io.ReadCloser, error) {
	if size <= s.cfg.MaxMemoryBytes {
		var buf bytes.Buffer
		buf.Grow(int(size))
		n, err := io.Copy(&buf, r)
		s.metrics.fetchBytes.Add(float64(n))
		if err != nil {
			return nil, err
		}
		return io.NopCloser(&buf), nil
	}
	f, err := os.CreateTemp("", "dmarc-agent-imap-*.eml")
	if err != nil {
		return nil, fmt.Errorf("spooling a large imap message: %w", err)
	}
	os.Remove(f.Name()) // unlinked: the space returns when the reader is closed
	n, err := io.Copy(f, r)
	s.metrics.fetchBytes.Add(float64(n))
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("spooling a large imap message: %w", err)
	}
	return f, nil
}
