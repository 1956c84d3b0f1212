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
// "help CMD..." is "CMD... --help".
func Main(ctx context.Context, env Env, args []string) int {
	if len(args) == 0 {
		usage(env.Stderr)
		return ExitUsage
	}
	switch args[0] {
	case "-h", "--help", "-help":
		usage(env.Stdout)
		return ExitOK
	case "help":
		if len(args) == 1 {
			usage(env.Stdout)
			return ExitOK
		}
		args = append(append([]string(nil), args[1:]...), "--help")
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(env.Stderr, "dmarc-agent: unknown command %q\n\n", args[0])
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
	b.WriteString("usage: dmarc-agent <command> [flags] [arguments]\n\ncommands:\n")
	for _, n := range names {
		fmt.Fprintf(&b, "  %-11s %s\n", n, commands[n].summary)
	}
	b.WriteString("\nRun 'dmarc-agent help <command>' for a command's flags and exit codes.\n")
	io.WriteString(w, b.String())
}

// group dispatches a command made of subcommands (dashboards import|export,
// gmail auth): with no subcommand or an unknown one it prints the group's
// help on stderr (exit 2); with --help alone, on stdout (exit 0). ok is true
// when args[0] names a subcommand.
func group(env Env, name string, args []string, subs map[string]string) (code int, ok bool) {
	if len(args) > 0 {
		if _, known := subs[args[0]]; known {
			return ExitOK, true
		}
	}
	names := make([]string, 0, len(subs))
	for n := range subs {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	fmt.Fprintf(&b, "usage: dmarc-agent %s %s [flags]\n\ncommands:\n", name, strings.Join(names, "|"))
	for _, n := range names {
		fmt.Fprintf(&b, "  %-11s %s\n", n, subs[n])
	}
	fmt.Fprintf(&b, "\nRun 'dmarc-agent help %s <command>' for its flags and exit codes.\n", name)
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
		io.WriteString(env.Stdout, b.String())
		return ExitOK, false
	}
	if len(args) > 0 {
		fmt.Fprintf(env.Stderr, "dmarc-agent %s: unknown command %q\n\n", name, args[0])
	}
	io.WriteString(env.Stderr, b.String())
	return ExitUsage, false
}
