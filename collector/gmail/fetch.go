package gmail

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"strings"

	"google.golang.org/api/gmail/v1"
)

// fetch returns the RFC 822 bytes of a message: format=raw, or for a message
// larger than max_raw_bytes, format=full with every body fetched through
// attachments.get and the MIME tree written back.
func (s *Source) fetch(ctx context.Context, id string, size int64) ([]byte, error) {
	if err := s.acquire(ctx); err != nil {
		return nil, err
	}
	defer s.release()
	if size <= s.cfg.MaxRawBytes {
		m, err := s.svc.Users.Messages.Get(s.cfg.User, id).Format("raw").Context(ctx).Do()
		if err != nil {
			return nil, fmt.Errorf("fetching gmail message %s: %w", id, err)
		}
		b, err := decodeB64URL(m.Raw)
		if err != nil {
			return nil, fmt.Errorf("fetching gmail message %s: raw body: %w", id, err)
		}
		return b, nil
	}
	m, err := s.svc.Users.Messages.Get(s.cfg.User, id).Format("full").Context(ctx).Do()
	if err != nil {
		return nil, fmt.Errorf("fetching gmail message %s: %w", id, err)
	}
	if m.Payload == nil {
		return nil, fmt.Errorf("fetching gmail message %s: no payload", id)
	}
	var buf bytes.Buffer
	if err := s.writePart(ctx, &buf, id, m.Payload); err != nil {
		return nil, fmt.Errorf("fetching gmail message %s: %w", id, err)
	}
	return buf.Bytes(), nil
}

// writePart writes one part of a format=full tree as MIME: its headers, then
// either its children between the original boundary or its body in base64.
func (s *Source) writePart(ctx context.Context, w *bytes.Buffer, msgID string, p *gmail.MessagePart) error {
	multipart := strings.HasPrefix(strings.ToLower(p.MimeType), "multipart/")
	for _, h := range p.Headers {
		switch strings.ToLower(h.Name) {
		case "content-transfer-encoding", "content-length":
			continue
		}
		fmt.Fprintf(w, "%s: %s\r\n", h.Name, h.Value)
	}
	if multipart {
		_, params, err := mime.ParseMediaType(headerValue(p.Headers, "Content-Type"))
		boundary := params["boundary"]
		if err != nil || boundary == "" {
			return fmt.Errorf("part %q: multipart without a boundary", p.PartId)
		}
		w.WriteString("\r\n")
		for _, c := range p.Parts {
			fmt.Fprintf(w, "--%s\r\n", boundary)
			if err := s.writePart(ctx, w, msgID, c); err != nil {
				return err
			}
			w.WriteString("\r\n")
		}
		fmt.Fprintf(w, "--%s--\r\n", boundary)
		return nil
	}
	data, err := s.partBody(ctx, msgID, p)
	if err != nil {
		return err
	}
	if strings.EqualFold(p.MimeType, "message/rfc822") {
		w.WriteString("\r\n") // an embedded message stays as it is
		w.Write(data)
		return nil
	}
	w.WriteString("Content-Transfer-Encoding: base64\r\n\r\n")
	enc := base64.StdEncoding.EncodeToString(data)
	for len(enc) > 76 {
		w.WriteString(enc[:76])
		w.WriteString("\r\n")
		enc = enc[76:]
	}
	w.WriteString(enc)
	w.WriteString("\r\n")
	return nil
}

// partBody returns a leaf's decoded body, through attachments.get if needed.
func (s *Source) partBody(ctx context.Context, msgID string, p *gmail.MessagePart) ([]byte, error) {
	if p.Body == nil {
		return nil, nil
	}
	if p.Body.AttachmentId == "" {
		return decodeB64URL(p.Body.Data)
	}
	a, err := s.svc.Users.Messages.Attachments.Get(s.cfg.User, msgID, p.Body.AttachmentId).Context(ctx).Do()
	if err != nil {
		return nil, fmt.Errorf("attachment of part %q: %w", p.PartId, err)
	}
	return decodeB64URL(a.Data)
}

func headerValue(hs []*gmail.MessagePartHeader, name string) string {
	for _, h := range hs {
		if strings.EqualFold(h.Name, name) {
			return h.Value
		}
	}
	return ""
}

// decodeB64URL decodes Gmail's URL-safe base64, padded or not.
func decodeB64URL(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}

// readCloser wraps bytes for Message.Open.
func readCloser(b []byte) io.ReadCloser { return io.NopCloser(bytes.NewReader(b)) }
