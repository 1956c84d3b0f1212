package cli

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

func init() {
	register(command{
		name:    "healthcheck",
		summary: "exit 0 if the running agent answers on /healthz (container health checks)",
		run:     healthcheck,
	})
}

func healthcheck(ctx context.Context, env Env, args []string) int {
	fs := newFlagSet("healthcheck", "healthcheck [--config FILE] [--url URL] [--timeout D]",
		`GETs the running agent's /healthz (for container health checks; the image
has no curl).

Exit codes: 0 healthy, 1 no answer or not 200, 2 usage or configuration error.`, env)
	cfgPath := fs.String("config", "", "configuration `file`, to find http.listen")
	url := fs.String("url", "", "`URL` to check instead of http://<http.listen>/healthz")
	timeout := fs.Duration("timeout", 5*time.Second, "give up after this long")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		return fs.usageError("unexpected argument %q", fs.Arg(0))
	}
	if *url == "" {
		cfg, _, ok := loadConfig(env, *cfgPath)
		if !ok {
			return ExitUsage
		}
		u, err := healthURL(cfg.HTTP.Listen)
		if err != nil {
			fmt.Fprintf(env.Stderr, "dmarc-agent healthcheck: %v\n", err)
			return ExitUsage
		}
		*url = u
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *url, nil)
	if err != nil {
		fmt.Fprintf(env.Stderr, "dmarc-agent healthcheck: %v\n", err)
		return ExitUsage
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintf(env.Stderr, "dmarc-agent healthcheck: %v\n", err)
		return ExitFatal
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(env.Stderr, "dmarc-agent healthcheck: %s answered %s\n", *url, resp.Status)
		return ExitFatal
	}
	fmt.Fprintln(env.Stdout, "ok")
	return ExitOK
}

// healthURL turns http.listen into a URL reachable from the same host: a
// wildcard address becomes the loopback address.
func healthURL(listen string) (string, error) {
	if listen == "" {
		return "", fmt.Errorf("http.listen is empty: the agent serves no health endpoint")
	}
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "", fmt.Errorf("http.listen %q: %w", listen, err)
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/healthz", nil
}
