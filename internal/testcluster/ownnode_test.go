package testcluster

import (
	"net"
	"slices"
	"strconv"
	"testing"
)

// The restart test once inherited the shared node's OPENSEARCH_STATE_DIR,
// found that node's pid alive, waited 300 s, and its clean-up reset killed
// the shared node and deleted its data. The script of an own node gets its
// own port and state directory, whatever the environment holds.
func TestNodeEnvReplacesTheSharedNode(t *testing.T) {
	env := NodeEnv([]string{
		"HOME=/root",
		"OPENSEARCH_STATE_DIR=/var/tmp/dmarc-agent-opensearch/9200",
		"OPENSEARCH_PORT=9200",
		"OPENSEARCH_URL=http://127.0.0.1:9200",
	}, 9241, "/var/tmp/dmarc-agent-opensearch/ops-9241")
	want := []string{
		"HOME=/root",
		"OPENSEARCH_URL=http://127.0.0.1:9200",
		"OPENSEARCH_PORT=9241",
		"OPENSEARCH_STATE_DIR=/var/tmp/dmarc-agent-opensearch/ops-9241",
	}
	if !slices.Equal(env, want) {
		t.Errorf("env %q\nwant %q", env, want)
	}
	if got := StateDir("/var/tmp/dmarc-agent-opensearch/ops-", 9241, true); got != "/var/tmp/dmarc-agent-opensearch/ops-9241" {
		t.Errorf("StateDir = %q", got)
	}
	if got := StateDir("", 9241, true); got != "/var/tmp/dmarc-agent-opensearch/own-9241" {
		t.Errorf("default StateDir as root = %q", got)
	}
}

// PickPort skips a port something listens on (or whose transport port is
// taken), and refuses a range where nothing is free.
func TestPickPortSkipsBusyPorts(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	p := busy.Addr().(*net.TCPAddr).Port
	r := strconv.Itoa(p) + "-" + strconv.Itoa(p+1)
	got, err := PickPort(r)
	if err == nil && got == p {
		t.Fatalf("PickPort(%s) = %d, which is in use", r, got)
	}
	if _, err := PickPort(strconv.Itoa(p) + "-" + strconv.Itoa(p)); err == nil {
		t.Errorf("PickPort of a range holding only a busy port did not fail")
	}
	if _, err := PickPort("x-y"); err == nil {
		t.Error("a malformed range was accepted")
	}
	if got, err := PickPort(""); err != nil || got == 0 {
		t.Errorf("PickPort() = %d, %v", got, err)
	}
}
