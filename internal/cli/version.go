package cli

import (
	"context"
	"fmt"
	"runtime/debug"
)

// Version is set at build time with -ldflags "-X .../internal/cli.Version=v1.2.3".
var Version = "dev"

func init() {
	register(command{name: "version", summary: "print the version", run: func(_ context.Context, env Env, args []string) int {
		fs := newFlagSet("version", "version", "Prints the version (set at build time from git describe; see make build).", env)
		if code, ok := parseFlags(fs, args); !ok {
			return code
		}
		if fs.NArg() > 0 {
			return fs.usageError("unexpected argument %q", fs.Arg(0))
		}
		v := Version
		if bi, ok := debug.ReadBuildInfo(); ok && v == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		fmt.Fprintln(env.Stdout, "dmarc-agent", v)
		return ExitOK
	}})
}
