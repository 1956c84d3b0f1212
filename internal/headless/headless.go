// Package headless drives a headless Chromium over the DevTools protocol
// on a pipe (--remote-debugging-pipe: commands on fd 3, answers on fd 4,
// each message ended by a NUL byte), for tests that render a page and
// check what it did: requests, console messages, layout, a screenshot.
// No websocket, no dependency.
package headless

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
)

// Candidates are the names the browser goes by.
var Candidates = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"}

// Find returns the path of an installed browser.
func Find() (string, error) {
	for _, c := range Candidates {
		if p, err := exec.LookPath(c); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("no headless browser found (tried %v)", Candidates)
}

// Event is a DevTools event.
type Event struct {
	Method    string          `json:"method"`
	Params    json.RawMessage `json:"params"`
	SessionID string          `json:"sessionId"`
}

type message struct {
	ID     int             `json:"id"`
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Message string `json:"message"`
	} `json:"error"`
	Event
}

// Browser is a running headless browser.
type Browser struct {
	cmd     *exec.Cmd
	w       io.WriteCloser
	done    chan struct{}
	profile string

	mu      sync.Mutex
	nextID  int
	pending map[int]chan message
	events  []Event
	notify  chan struct{}
	readErr error
}

// Start launches the browser at path. Its own background traffic never
// leaves the machine: every connection goes to a proxy at 127.0.0.1:9
// (discard), which refuses it.
func Start(path string, extraArgs ...string) (*Browser, error) {
	cmdR, cmdW, err := os.Pipe() // we write commands, the browser reads fd 3
	if err != nil {
		return nil, fmt.Errorf("creating the command pipe: %w", err)
	}
	resR, resW, err := os.Pipe() // the browser writes fd 4, we read
	if err != nil {
		cmdR.Close()
		cmdW.Close()
		return nil, fmt.Errorf("creating the answer pipe: %w", err)
	}
	profile, err := os.MkdirTemp("", "headless-profile-")
	if err != nil {
		cmdR.Close()
		cmdW.Close()
		resR.Close()
		resW.Close()
		return nil, fmt.Errorf("creating the browser profile: %w", err)
	}
	args := append([]string{
		"--headless", "--remote-debugging-pipe", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--no-default-browser-check", "--disable-background-networking", "--disable-component-update",
		"--disable-sync", "--disable-default-apps", "--hide-scrollbars", "--mute-audio", "--disable-dev-shm-usage",
		"--proxy-server=http://127.0.0.1:9", "--user-data-dir=" + profile,
	}, extraArgs...)
	args = append(args, "about:blank")
	cmd := exec.Command(path, args...)
	cmd.ExtraFiles = []*os.File{cmdR, resW}
	if err := cmd.Start(); err != nil {
		cmdR.Close()
		cmdW.Close()
		resR.Close()
		resW.Close()
		os.RemoveAll(profile)
		return nil, fmt.Errorf("starting %s: %w", path, err)
	}
	cmdR.Close()
	resW.Close()
	b := &Browser{cmd: cmd, w: cmdW, profile: profile, done: make(chan struct{}), pending: map[int]chan message{}, notify: make(chan struct{}, 1)}
	go b.read(resR)
	return b, nil
}

func (b *Browser) read(r io.ReadCloser) {
	defer close(b.done)
	defer r.Close()
	br := bufio.NewReader(r)
	for {
		raw, err := br.ReadBytes(0)
		if err != nil {
			b.mu.Lock()
			b.readErr = fmt.Errorf("reading from the browser: %w", err)
			for id, ch := range b.pending {
				close(ch)
				delete(b.pending, id)
			}
			b.mu.Unlock()
			b.signal()
			return
		}
		var m message
		if json.Unmarshal(raw[:len(raw)-1], &m) != nil {
			continue
		}
		b.mu.Lock()
		if m.ID != 0 {
			if ch := b.pending[m.ID]; ch != nil {
				ch <- m
				delete(b.pending, m.ID)
			}
		} else {
			b.events = append(b.events, m.Event)
		}
		b.mu.Unlock()
		b.signal()
	}
}

func (b *Browser) signal() {
	select {
	case b.notify <- struct{}{}:
	default:
	}
}

// Call sends a command (to a target's session when sessionID is set) and
// returns its result.
func (b *Browser) Call(ctx context.Context, sessionID, method string, params any) (json.RawMessage, error) {
	b.mu.Lock()
	if b.readErr != nil {
		b.mu.Unlock()
		return nil, b.readErr
	}
	b.nextID++
	id := b.nextID
	ch := make(chan message, 1)
	b.pending[id] = ch
	b.mu.Unlock()
	req := map[string]any{"id": id, "method": method}
	if params != nil {
		req["params"] = params
	}
	if sessionID != "" {
		req["sessionId"] = sessionID
	}
	raw, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	if _, err := b.w.Write(append(raw, 0)); err != nil {
		return nil, fmt.Errorf("sending %s: %w", method, err)
	}
	select {
	case m, ok := <-ch:
		if !ok {
			return nil, fmt.Errorf("%s: the browser went away", method)
		}
		if m.Error != nil {
			return nil, fmt.Errorf("%s: %s", method, m.Error.Message)
		}
		return m.Result, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("%s: %w", method, ctx.Err())
	}
}

// WaitFor returns the first event named method of the session received at
// or after position from (see Events), waiting for it until ctx ends.
func (b *Browser) WaitFor(ctx context.Context, sessionID, method string, from int) (Event, error) {
	for {
		b.mu.Lock()
		for _, e := range b.events[min(from, len(b.events)):] {
			if e.Method == method && e.SessionID == sessionID {
				b.mu.Unlock()
				return e, nil
			}
		}
		err := b.readErr
		b.mu.Unlock()
		if err != nil {
			return Event{}, err
		}
		select {
		case <-b.notify:
		case <-ctx.Done():
			return Event{}, fmt.Errorf("waiting for %s: %w", method, ctx.Err())
		}
	}
}

// Events returns the events received so far.
func (b *Browser) Events() []Event {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]Event(nil), b.events...)
}

// Close ends the browser and waits for it.
func (b *Browser) Close() error {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	b.Call(ctx, "", "Browser.close", nil) // best effort; the kill below is the guarantee
	b.w.Close()
	b.cmd.Process.Kill()
	err := b.cmd.Wait()
	<-b.done
	os.RemoveAll(b.profile)
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return nil // killed on purpose
	}
	return err
}
