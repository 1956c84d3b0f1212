package imap_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that no test leaves a goroutine behind: every IMAP
// connection, IDLE and flush ticker ends with its Run.
func TestMain(m *testing.M) {
	// Idle keep-alive connections of the HTTP clients that talk to the
	// OpenSearch node are not ours to close.
	goleak.VerifyTestMain(m,
		goleak.IgnoreAnyFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"))
}
