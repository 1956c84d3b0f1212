package imap

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// dialTimeout bounds the TCP connect and the TLS handshake.
const dialTimeout = 30 * time.Second

// session is one logged-in connection with the mailbox selected.
type session struct {
	c        *imapclient.Client
	validity uint32
	uidNext  imap.UID
	newMail  chan struct{} // capacity 1: the server announced a message (EXISTS)
	fetchMu  sync.Mutex    // one body fetch at a time: bounded memory, no interleaved literals
	stop     func() bool   // stops closing the client when the run's context ends
}

// connect dials, secures, logs in, creates the target folders and selects
// the mailbox. The connection is closed when ctx ends.
func (s *Source) connect(ctx context.Context) (*session, error) {
	ss, err := s.dial(ctx)
	if err != nil {
		s.metrics.connects.WithLabelValues("error").Inc()
		return nil, err
	}
	if err := s.open(ss); err != nil {
		s.metrics.connects.WithLabelValues("error").Inc()
		ss.close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	s.metrics.connects.WithLabelValues("ok").Inc()
	s.log.Debug("imap connected", "server", s.cfg.address(), "tls", s.cfg.TLS, "username", s.cfg.Username,
		"mailbox", s.cfg.Mailbox, "uid_validity", ss.validity, "uid_next", ss.uidNext, "idle", ss.c.Caps().Has(imap.CapIdle))
	return ss, nil
}

func (s *Source) dial(ctx context.Context) (*session, error) {
	addr := s.cfg.address()
	ss := &session{newMail: make(chan struct{}, 1)}
	opts := &imapclient.Options{
		// No DebugWriter, ever: it would copy the LOGIN command, password
		// included, and mail contents.
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Mailbox: func(d *imapclient.UnilateralDataMailbox) {
				if d.NumMessages != nil {
					select {
					case ss.newMail <- struct{}{}:
					default:
					}
				}
			},
		},
	}
	dctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(dctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("connecting to imap server %s: %w", addr, err)
	}
	switch s.cfg.TLS {
	case "implicit":
		tc := tls.Client(conn, s.tls)
		if err := tc.HandshakeContext(dctx); err != nil {
			conn.Close()
			return nil, fmt.Errorf("TLS handshake with imap server %s: %w", addr, err)
		}
		ss.c = imapclient.New(tc, opts)
	case "starttls":
		opts.TLSConfig = s.tls
		conn.SetDeadline(time.Now().Add(dialTimeout))
		c, err := imapclient.NewStartTLS(conn, opts)
		if err != nil {
			conn.Close()
			return nil, fmt.Errorf("STARTTLS with imap server %s: %w", addr, err)
		}
		conn.SetDeadline(time.Time{})
		ss.c = c
	default: // plain, loopback only (Validate)
		ss.c = imapclient.New(conn, opts)
	}
	ss.stop = context.AfterFunc(ctx, func() { ss.c.Close() })
	return ss, nil
}

// open logs in, makes the folders and selects the mailbox.
func (s *Source) open(ss *session) error {
	addr := s.cfg.address()
	if err := ss.c.WaitGreeting(); err != nil {
		return fmt.Errorf("reading the greeting of imap server %s: %w", addr, err)
	}
	pw, err := s.cfg.password()
	if err != nil {
		return err
	}
	if err := ss.c.Login(s.cfg.Username, pw.Reveal()).Wait(); err != nil {
		// The server's answer never contains the password; the command is not logged.
		return fmt.Errorf("logging in to imap server %s as %q: %w", addr, s.cfg.Username, err)
	}
	for _, f := range s.folders() {
		err := ss.c.Create(f, nil).Wait()
		var ie *imap.Error
		if err != nil && !(errors.As(err, &ie) && ie.Code == imap.ResponseCodeAlreadyExists) {
			return fmt.Errorf("creating imap folder %q: %w", f, err)
		}
	}
	sel, err := ss.c.Select(s.cfg.Mailbox, nil).Wait()
	if err != nil {
		return fmt.Errorf("selecting imap mailbox %q: %w", s.cfg.Mailbox, err)
	}
	ss.validity, ss.uidNext = sel.UIDValidity, sel.UIDNext
	if ss.validity == 0 {
		return fmt.Errorf("imap mailbox %q: the server gave no UIDVALIDITY", s.cfg.Mailbox)
	}
	for _, f := range s.flags() {
		if !slices.Contains(sel.PermanentFlags, imap.FlagWildcard) && !slices.Contains(sel.PermanentFlags, imap.Flag(f)) {
			return fmt.Errorf("imap mailbox %q does not keep the keyword %s (permanent flags %v); use after_delivery: move and failed_folder", s.cfg.Mailbox, f, sel.PermanentFlags)
		}
	}
	if s.cfg.AfterDelivery == "delete" && !ss.c.Caps().Has(imap.CapUIDPlus) && !ss.c.Caps().Has(imap.CapIMAP4rev2) {
		return fmt.Errorf("imap server %s lacks UIDPLUS: after_delivery: delete could expunge other clients' deleted mail", addr)
	}
	return nil
}

// folders are the folders the source moves mail to.
func (s *Source) folders() []string {
	var f []string
	if s.cfg.AfterDelivery == "move" {
		f = append(f, s.cfg.ProcessedFolder)
	}
	if s.cfg.FailedFolder != "" && !slices.Contains(f, s.cfg.FailedFolder) {
		f = append(f, s.cfg.FailedFolder)
	}
	return f
}

// flags are the keywords the source sets.
func (s *Source) flags() []string {
	var f []string
	if s.cfg.AfterDelivery == "flag" {
		f = append(f, s.cfg.ProcessedFlag)
	}
	if s.cfg.FailedFolder == "" && s.cfg.FailedFlag != "" {
		f = append(f, s.cfg.FailedFlag)
	}
	return f
}

// close logs out (briefly) and closes the connection.
func (ss *session) close() {
	ss.stop()
	done := make(chan struct{})
	go func() {
		defer close(done)
		ss.c.Logout().Wait()
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
	}
	ss.c.Close()
	<-done
}
