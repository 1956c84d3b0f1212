package failure

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// defaultHashKey keys recipient hashes when hash_key is not set. It is public,
// so such hashes hide addresses only from casual readers.
const defaultHashKey = "dmarc-agent recipient hash v1"

// HashPrefix starts every hashed address, so a reader can tell a hash from
// an address.
const HashPrefix = "hmac-sha256:"

// HashAddress returns the keyed hash of an address: HMAC-SHA-256 over the
// trimmed, lower-cased address, as HashPrefix and 32 hex digits (128 bits).
// The same address gives the same hash under the same key, so hashed
// recipients can still be counted and matched.
func (c Config) HashAddress(addr string) string {
	key := c.HashKey.Reveal()
	if key == "" {
		key = defaultHashKey
	}
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(strings.ToLower(strings.TrimSpace(addr))))
	return HashPrefix + hex.EncodeToString(m.Sum(nil)[:16])
}

// Recipient returns an address as it is to be stored: in clear with
// StoreRecipients, else hashed.
func (c Config) Recipient(addr string) string {
	if c.StoreRecipients {
		return addr
	}
	return c.HashAddress(addr)
}
