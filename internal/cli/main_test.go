package cli

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	"testing"
)

// childEnv makes the test binary act as the dmarc-agent binary, so that the
// end-to-end tests can run, SIGTERM and SIGKILL a real agent process without
// building one.
const childEnv = "DMARC_AGENT_TEST_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := Main(ctx, Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Environ: os.Environ()}, os.Args[1:])
		stop()
		os.Exit(code)
	}
	// ingest tunes the GC of its process (tuneGC) unless GOGC is set; the
	// tests run it in this process, which keeps Go's defaults.
	if os.Getenv("GOGC") == "" {
		os.Setenv("GOGC", "100")
	}
	os.Exit(m.Run())
}
