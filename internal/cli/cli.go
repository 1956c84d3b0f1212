// Package cli implements dmarc-agent's subcommands. Each subcommand lives in
// its own file and registers itself; Main dispatches. Only main exits.
package cli

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Exit codes shared by every subcommand.
const (
	ExitOK       = 0
	ExitFatal    = 1 // anything that stopped the run
	ExitUsage    = 2 // bad flags or configuration
	ExitRejected = 3 // the run finished, but some inputs or documents were rejected
)

// Env is the process environment a subcommand may use, injected for tests.
type Env struct {
	Stdin   io.Reader
	Stdout  io.Writer
	Stderr  io.Writer
	Environ []string
}

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env Env, args []string) int
}

var commands = map[string]command{}

func register(c command) {
	if _, dup := commands[c.name]; dup {
		panic("cli: command registered twice: " + c.name)
	}
	commands[c.name] = c
}

// Main runs the subcommand named by args[0] and returns the exit code.
func Main(ctx context.Context, env Env, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(env.Stderr)
		if len(args) == 0 {
			return ExitUsage
		}
		return ExitOK
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(env.Stderr, "dmarc-agent: unknown command %q\n", args[0])
		usage(env.Stderr)
		return ExitUsage
	}
	return c.run(ctx, env, args[1:])
}

func usage(w io.Writer) {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("usage: dmarc-agent <command> [flags]\n\ncommands:\n")
	for _, n := range names {
		fmt.Fprintf(&b, "  %-11s %s\n", n, commands[n].summary)
	}
	b.WriteString("\nRun 'dmarc-agent <command> -h' for a command's flags.\n")
	io.WriteString(w, b.String())
}
