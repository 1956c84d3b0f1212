package failure

import (
	"strings"
	"testing"
)

func TestHashAddress(t *testing.T) {
	def := DefaultConfig()
	keyed := Config{HashKey: "s3cret"}
	h := def.HashAddress("Alice@Example.org ")
	if !strings.HasPrefix(h, HashPrefix) || len(h) != len(HashPrefix)+32 {
		t.Fatalf("hash %q: want %s + 32 hex digits", h, HashPrefix)
	}
	if h != def.HashAddress("alice@example.org") {
		t.Error("hash depends on case or spaces")
	}
	if h == def.HashAddress("bob@example.org") {
		t.Error("two addresses, one hash")
	}
	if h == keyed.HashAddress("alice@example.org") {
		t.Error("the key does not change the hash")
	}
	if strings.Contains(h, "alice") {
		t.Error("hash shows the address")
	}
	// HMAC-SHA-256 with key "s3cret" of "alice@example.org", first 16 bytes
	// (computed with: printf alice@example.org | openssl dgst -sha256 -hmac s3cret).
	if got, want := keyed.HashAddress("Alice@example.org"), HashPrefix+"5885f723eeb6e07a2dde3fda670c853e"; got != want {
		t.Errorf("keyed hash %s, want %s", got, want)
	}
	if got := (Config{StoreRecipients: true}).Recipient("alice@example.org"); got != "alice@example.org" {
		t.Errorf("store_recipients: %q", got)
	}
	if got := keyed.Recipient("alice@example.org"); got != keyed.HashAddress("alice@example.org") {
		t.Errorf("default Recipient: %q", got)
	}
}
