// Command dmarc-agent turns DMARC aggregate, failure and SMTP TLS reports
// into OpenSearch documents. See README.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/dmarc-agent/dmarc-agent/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, cli.Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Environ: os.Environ()}, os.Args[1:])
	stop()
	os.Exit(code)
}
