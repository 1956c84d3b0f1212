package testcluster

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// OwnNode starts an OpenSearch node of the test's own with
// scripts/opensearch-dev.sh, for tests that stop, block or restart a node:
// its own port and its own state directory, whatever the environment says
// (OPENSEARCH_PORT and OPENSEARCH_STATE_DIR of the shared node are never
// passed on), so that it can never stop, reset or wait on a node it did not
// start. It deletes the node when the test ends. It returns the node's URL
// and a function running the script for that node (start, stop, status).
//
// Like the other integration tests it runs when OPENSEARCH_URL is set or
// DMARC_AGENT_REQUIRE_OPENSEARCH=1. Environment:
//
//	OPENSEARCH_DEV_SCRIPT          the script (default ../../scripts/opensearch-dev.sh)
//	OPENSEARCH_OWN_PORTS           "FROM-TO": ports to pick from (default: any free port)
//	OPENSEARCH_OWN_STATE_PREFIX    state directory = prefix + port (default
//	                               /var/tmp/dmarc-agent-opensearch/own- as root, $TMPDIR/dmarc-agent-own- otherwise)
func OwnNode(t *testing.T) (string, func(cmd string) string) {
	t.Helper()
	required := os.Getenv("DMARC_AGENT_REQUIRE_OPENSEARCH") == "1"
	if os.Getenv("OPENSEARCH_URL") == "" && !required {
		t.Skip("integration test: set OPENSEARCH_URL (scripts/opensearch-dev.sh start prints it)")
	}
	script := os.Getenv("OPENSEARCH_DEV_SCRIPT")
	if script == "" {
		script, _ = filepath.Abs(filepath.Join("..", "..", "scripts", "opensearch-dev.sh"))
	}
	if _, err := os.Stat(script); err != nil {
		if required {
			t.Fatalf("needs scripts/opensearch-dev.sh (OPENSEARCH_DEV_SCRIPT): %v", err)
		}
		t.Skipf("needs scripts/opensearch-dev.sh (OPENSEARCH_DEV_SCRIPT): %v", err)
	}
	port, err := PickPort(os.Getenv("OPENSEARCH_OWN_PORTS"))
	if err != nil {
		t.Fatal(err)
	}
	state := StateDir(os.Getenv("OPENSEARCH_OWN_STATE_PREFIX"), port, os.Geteuid() == 0)
	// The port is free, so no node of this state directory runs: what is
	// left there is from an earlier run of ours and goes.
	if err := os.RemoveAll(state); err != nil {
		t.Fatal(err)
	}
	env := NodeEnv(os.Environ(), port, state)
	run := func(cmd string) string {
		c := exec.Command("bash", script, cmd)
		c.Env = env
		out, err := c.CombinedOutput()
		if err != nil && cmd != "status" {
			t.Fatalf("%s %s (port %d, state %s): %v\n%s", script, cmd, port, state, err, out)
		}
		return string(out)
	}
	// Only this node: its pid file is in a directory created for it.
	t.Cleanup(func() { run("reset") })
	t0 := time.Now()
	out := strings.TrimSpace(run("start"))
	base := out[strings.LastIndexByte(out, '\n')+1:]
	t.Logf("own node %s (state %s) up in %s", base, state, time.Since(t0).Round(time.Second))
	return base, run
}

// NodeEnv is environ for the script, with the node's port and state
// directory replacing any the environment holds.
func NodeEnv(environ []string, port int, state string) []string {
	env := make([]string, 0, len(environ)+2)
	for _, kv := range environ {
		if strings.HasPrefix(kv, "OPENSEARCH_PORT=") || strings.HasPrefix(kv, "OPENSEARCH_STATE_DIR=") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "OPENSEARCH_PORT="+strconv.Itoa(port), "OPENSEARCH_STATE_DIR="+state)
}

// StateDir is prefix+port, or the default prefix's.
func StateDir(prefix string, port int, root bool) string {
	if prefix == "" {
		if root {
			prefix = "/var/tmp/dmarc-agent-opensearch/own-"
		} else {
			prefix = filepath.Join(os.TempDir(), "dmarc-agent-own-")
		}
	}
	return prefix + strconv.Itoa(port)
}

// PickPort returns the first port of the range "FROM-TO" on which nothing
// listens, neither on it nor on its transport port (+100); with no range,
// any free port.
func PickPort(ports string) (int, error) {
	if ports == "" {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		defer l.Close()
		return l.Addr().(*net.TCPAddr).Port, nil
	}
	from, to, ok := strings.Cut(ports, "-")
	lo, err1 := strconv.Atoi(from)
	hi, err2 := strconv.Atoi(to)
	if !ok || err1 != nil || err2 != nil || lo > hi {
		return 0, fmt.Errorf("OPENSEARCH_OWN_PORTS=%q: want FROM-TO", ports)
	}
	for p := lo; p <= hi; p++ {
		if free(p) && free(p+100) {
			return p, nil
		}
	}
	return 0, fmt.Errorf("OPENSEARCH_OWN_PORTS=%q: every port is in use", ports)
}

func free(port int) bool {
	l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		return false
	}
	l.Close()
	return true
}
