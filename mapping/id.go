package mapping

import (
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"strconv"
)

// IDBuilder derives a document id from content only. Callers write the
// identifying fields in a fixed order; Sum returns a URL-safe id of 32
// characters (192 bits of SHA-256). Each field is length-prefixed so that
// ("ab","c") and ("a","bc") never collide.
type IDBuilder struct {
	h   hash.Hash
	buf []byte
}

// NewIDBuilder starts an id for documents of the given kind.
func NewIDBuilder(kind Kind) *IDBuilder {
	b := &IDBuilder{h: sha256.New()}
	b.String(string(kind))
	return b
}

// String adds one field.
func (b *IDBuilder) String(s string) *IDBuilder {
	b.buf = strconv.AppendInt(b.buf[:0], int64(len(s)), 10)
	b.buf = append(b.buf, ':')
	b.h.Write(b.buf)
	b.h.Write([]byte(s))
	return b
}

// Int adds one integer field.
func (b *IDBuilder) Int(n int64) *IDBuilder {
	return b.String(strconv.FormatInt(n, 10))
}

// Strings adds a list field (its length first, then each element).
func (b *IDBuilder) Strings(ss []string) *IDBuilder {
	b.Int(int64(len(ss)))
	for _, s := range ss {
		b.String(s)
	}
	return b
}

// Sum returns the id. The builder must not be used afterwards.
func (b *IDBuilder) Sum() string {
	sum := b.h.Sum(nil)
	return base64.RawURLEncoding.EncodeToString(sum[:24])
}
