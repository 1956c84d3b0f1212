package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/dmarc-agent/dmarc-agent/collector/gmail"
)

const gmailAbout = `Authorises dmarc-agent to read the report mailbox (sources.gmail with
auth: oauth) and writes sources.gmail.token_file (mode 0600). Works on a
headless server: open the printed URL in any browser, then paste the code or
the whole address the browser ends on. See docs/gmail.md.

Exit codes: 0 authorised, 2 usage or configuration error, 1 the consent or
the token exchange failed.`

func init() {
	register(command{name: "gmail", summary: "authorise Gmail access: gmail auth", run: runGmail})
}

func runGmail(ctx context.Context, env Env, args []string) int {
	if code, ok := group(env, "gmail", args, map[string]string{"auth": "authorise access to the mailbox; writes the token file"}); !ok {
		return code
	}
	fs := newFlagSet("gmail auth", "gmail auth [--config FILE] [--listen 127.0.0.1:0]", gmailAbout, env)
	configPath := fs.String("config", "", "configuration `file`")
	listen := fs.String("listen", "", "also catch the browser's redirect on this loopback `address`, e.g. 127.0.0.1:0 (or a fixed port forwarded with ssh -L)")
	if code, ok := parseFlags(fs, args[1:]); !ok {
		return code
	}
	if fs.NArg() > 0 {
		return fs.usageError("unexpected arguments %s", strings.Join(fs.Args(), " "))
	}
	cfg, _, ok := loadConfig(env, *configPath)
	if !ok {
		return ExitUsage
	}
	gc := cfg.Sources.Gmail
	if gc.Auth != "oauth" || gc.CredentialsFile == "" {
		fmt.Fprintf(env.Stderr, "dmarc-agent gmail auth: needs sources.gmail.auth: oauth and sources.gmail.credentials_file (the OAuth client JSON); got auth %q, credentials_file %q\n", gc.Auth, gc.CredentialsFile)
		return ExitUsage
	}
	err := gmail.Authorize(ctx, gc, gmail.AuthOptions{In: env.Stdin, Out: env.Stdout, Listen: *listen})
	if err != nil {
		fmt.Fprintf(env.Stderr, "dmarc-agent: %v\n", err)
		return ExitFatal
	}
	return ExitOK
}
