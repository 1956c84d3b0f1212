package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// flagSet is a subcommand's flags with its help text. Every subcommand
// prints help the same way: a usage line, what it does, its flags in --name
// form. Flags may come anywhere on the command line, before or after PATHs;
// "--" ends them.
type flagSet struct {
	*flag.FlagSet
	name     string // "ingest", "dashboards import"
	synopsis string // after "usage: dmarc-agent ", one line per form
	about    string
	env      Env
}

// newFlagSet returns a flag set that reports errors instead of exiting.
// synopsis may hold several lines (several forms of the command).
func newFlagSet(name, synopsis, about string, env Env) *flagSet {
	fs := &flagSet{FlagSet: flag.NewFlagSet("dmarc-agent "+name, flag.ContinueOnError), name: name, synopsis: synopsis, about: about, env: env}
	fs.SetOutput(io.Discard) // parseFlags prints errors and help itself
	fs.Usage = func() {}
	return fs
}

// printUsage writes the help text to w.
func (fs *flagSet) printUsage(w io.Writer) {
	var b strings.Builder
	for i, line := range strings.Split(fs.synopsis, "\n") {
		if i == 0 {
			b.WriteString("usage: dmarc-agent " + line + "\n")
		} else {
			b.WriteString("       dmarc-agent " + line + "\n")
		}
	}
	if fs.about != "" {
		b.WriteString("\n" + strings.TrimSpace(fs.about) + "\n")
	}
	first := true
	fs.VisitAll(func(f *flag.Flag) {
		if first {
			b.WriteString("\nflags:\n")
			first = false
		}
		typ, usage := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if typ != "" {
			line += " " + typ
		}
		b.WriteString(line + "\n        " + usage)
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "0s" {
			fmt.Fprintf(&b, " (default %s)", f.DefValue)
		}
		b.WriteString("\n")
	})
	io.WriteString(w, b.String())
}

// usageError prints a one-line reason and the help text on stderr and
// returns the usage exit code.
func (fs *flagSet) usageError(format string, a ...any) int {
	fmt.Fprintf(fs.env.Stderr, "dmarc-agent %s: %s\n\n", fs.name, fmt.Sprintf(format, a...))
	fs.printUsage(fs.env.Stderr)
	return ExitUsage
}

// parseFlags parses args, flags and arguments in any order (fs.Args() then
// holds the arguments); ok is false with the exit code to return when the
// caller must stop: help asked for (printed on stdout, exit 0) or a usage
// error (printed on stderr, exit 2).
func parseFlags(fs *flagSet, args []string) (code int, ok bool) {
	flags, positional := splitArgs(fs.FlagSet, args)
	err := fs.Parse(append(append(flags, "--"), positional...))
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.printUsage(fs.env.Stdout)
		return ExitOK, false
	case err != nil:
		return fs.usageError("%v", err), false
	}
	return ExitOK, true
}

// splitArgs separates flags (with their values) from arguments, wherever
// they are. "--" ends the flags: everything after it is an argument, and so
// is "-" (standard input, by convention). A flag that takes a value takes
// the next argument unless written --name=value.
func splitArgs(fs *flag.FlagSet, args []string) (flags, positional []string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return flags, append(positional, args[i+1:]...)
		case len(a) < 2 || a[0] != '-':
			positional = append(positional, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		f := fs.Lookup(name)
		if f == nil {
			continue // unknown: Parse names it
		}
		if bf, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && bf.IsBoolFlag() {
			continue
		}
		if i+1 < len(args) {
			i++
			flags = append(flags, args[i])
		}
	}
	return flags, positional
}
