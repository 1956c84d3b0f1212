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

// OwnNode starts an OpenSearch node of the test's own (see OwnNodeOf).
//
// Like the other integration tests it runs when OPENSEARCH_URL is set or
// DMARC_AGENT_REQUIRE_OPENSEARCH=1.
func OwnNode(t *testing.T) (string, func(cmd string) string) {
	t.Helper()
	if os.Getenv("OPENSEARCH_URL") == "" && os.Getenv("DMARC_AGENT_REQUIRE_OPENSEARCH") != "1" {
		t.Skip("integration test: set OPENSEARCH_URL (scripts/opensearch-dev.sh start prints it)")
	}
	return OwnNodeOf(t, Cluster{Engine: OpenSearch})
}

// ownVars are the environment variables of an engine's dev script.
type ownVars struct {
	port, state, ownPorts, statePrefix, defaultPrefix string
}

func varsOf(engine string) ownVars {
	if engine == Elasticsearch {
		return ownVars{"ELASTICSEARCH_PORT", "ELASTICSEARCH_STATE_DIR", "ELASTICSEARCH_OWN_PORTS",
			"ELASTICSEARCH_OWN_STATE_PREFIX", "/var/tmp/dmarc-agent-elasticsearch/own-"}
	}
	return ownVars{"OPENSEARCH_PORT", "OPENSEARCH_STATE_DIR", "OPENSEARCH_OWN_PORTS",
		"OPENSEARCH_OWN_STATE_PREFIX", "/var/tmp/dmarc-agent-opensearch/own-"}
}

// OwnNodeOf starts a node of c's engine (and, for Elasticsearch, c's
// version) of the test's own with its dev script, for tests that stop,
// block or restart a node: its own port and its own state directory,
// whatever the environment says (the shared nodes' OPENSEARCH_PORT /
// OPENSEARCH_STATE_DIR, ELASTICSEARCH_PORT / ELASTICSEARCH_STATE_DIR are
// never passed on), so that it can never stop, reset or wait on a node it
// did not start. It deletes the node when the test ends. It returns the
// node's URL and a function running the script for that node (start, stop,
// status). Environment:
//
//	OPENSEARCH_DEV_SCRIPT, ELASTICSEARCH_DEV_SCRIPT   the scripts (default scripts/<engine>-dev.sh)
//	OPENSEARCH_OWN_PORTS, ELASTICSEARCH_OWN_PORTS     "FROM-TO": ports to pick from (default: any free port)
//	OPENSEARCH_OWN_STATE_PREFIX, ELASTICSEARCH_OWN_STATE_PREFIX
//	                               state directory = prefix + port (default
//	                               /var/tmp/dmarc-agent-<engine>/own- as root, $TMPDIR/dmarc-agent-own- otherwise)
func OwnNodeOf(t *testing.T, c Cluster) (string, func(cmd string) string) {
	t.Helper()
	script := c.Script()
	if _, err := os.Stat(script); err != nil {
		t.Fatalf("a node of its own needs %s: %v", script, err)
	}
	v := varsOf(c.Engine)
	port, err := PickPort(os.Getenv(v.ownPorts))
	if err != nil {
		t.Fatal(err)
	}
	prefix := os.Getenv(v.statePrefix)
	if prefix == "" && os.Geteuid() == 0 {
		prefix = v.defaultPrefix
	}
	state := StateDir(prefix, port, os.Geteuid() == 0)
	// The port is free, so no node of this state directory runs: what is
	// left there is from an earlier run of ours and goes.
	if err := os.RemoveAll(state); err != nil {
		t.Fatal(err)
	}
	env := nodeEnv(os.Environ(), v, port, state)
	if c.Engine == Elasticsearch {
		env = append(env, "ELASTICSEARCH_VERSION="+c.Version)
	}
	run := func(cmd string) string {
		x := exec.Command("bash", script, cmd)
		x.Env = env
		out, err := x.CombinedOutput()
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
	t.Logf("own %s node %s (state %s) up in %s", c.Engine, base, state, time.Since(t0).Round(time.Second))
	return base, run
}

// NodeEnv is environ for the OpenSearch script, with the node's port and
// state directory replacing any the environment holds.
func NodeEnv(environ []string, port int, state string) []string {
	return nodeEnv(environ, varsOf(OpenSearch), port, state)
}

func nodeEnv(environ []string, v ownVars, port int, state string) []string {
	env := make([]string, 0, len(environ)+3)
	for _, kv := range environ {
		if strings.HasPrefix(kv, v.port+"=") || strings.HasPrefix(kv, v.state+"=") || strings.HasPrefix(kv, "ELASTICSEARCH_VERSION=") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, v.port+"="+strconv.Itoa(port), v.state+"="+state)
}

// StateDir is prefix+port, or the default (OpenSearch) prefix's.
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
