package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Flags after PATHs are flags, not inputs: the case was
// `ingest testdata/samples --opensearch URL` writing to ./dmarc-out and
// rejecting "--opensearch" as a file.
func TestIngestFlagsAfterPaths(t *testing.T) {
	abs, err := filepath.Abs(samples)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	t.Chdir(t.TempDir())
	code, stdout, stderr := runCLI(t, offline, "ingest", abs, "--out", out, "--summary=json")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	j := readSummary(t, stdout)
	code, before, _ := runCLI(t, offline, "ingest", "--out", t.TempDir(), "--summary=json", abs)
	want := readSummary(t, before)
	if code != ExitOK || j.Files != want.Files || j.Documents != want.Documents || j.Files == 0 || len(j.Rejected) != 0 {
		t.Fatalf("flags after the PATH: %d files, %d documents, %d rejected; flags before it: %d files, %d documents",
			j.Files, j.Documents, len(j.Rejected), want.Files, want.Documents)
	}
	if len(readDir(t, out)) == 0 {
		t.Error("nothing written to --out")
	}
	if _, err := os.Stat("dmarc-out"); err == nil {
		t.Error("./dmarc-out written: --out after the PATH was ignored")
	}
}

// "--" ends the flags: a file named like a flag is read as an input.
func TestDoubleDashEndsFlags(t *testing.T) {
	dir := t.TempDir()
	odd := filepath.Join(dir, "--summary")
	b, err := os.ReadFile(filepath.Join(samples, "receiver-two.example!example.org!1767225600!1767311999.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(odd, b, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	code, stdout, stderr := runCLI(t, offline, "ingest", "--out", "o", "--summary", "json", "--", "--summary")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	if j := readSummary(t, stdout); j.Files != 1 || j.Reports["aggregate"] != 1 {
		t.Fatalf("summary %+v", j)
	}
}

// Every subcommand prints help in one style, on stdout with exit 0, whether
// asked as "help CMD" or "CMD --help"; a usage error prints the reason and
// the same help on stderr with exit 2.
func TestHelpIsOneStyle(t *testing.T) {
	for _, cmd := range [][]string{
		{"ingest"}, {"run"}, {"setup"}, {"healthcheck"}, {"version"}, {"report"},
		{"dashboards", "import"}, {"dashboards", "export"}, {"gmail", "auth"},
	} {
		name := strings.Join(cmd, " ")
		t.Run(name, func(t *testing.T) {
			code, help, stderr := runCLI(t, nil, append([]string{"help"}, cmd...)...)
			if code != ExitOK || stderr != "" {
				t.Fatalf("help %s: exit %d, stderr %q", name, code, stderr)
			}
			if !strings.HasPrefix(help, "usage: dmarc-agent "+name) {
				t.Errorf("help %s starts %q", name, help[:min(len(help), 60)])
			}
			if name != "version" && !strings.Contains(help, "\nflags:\n  --") {
				t.Errorf("help %s lists no --flags:\n%s", name, help)
			}
			if name != "version" && name != "dashboards export" && !strings.Contains(help, "Exit codes:") {
				t.Errorf("help %s names no exit codes:\n%s", name, help)
			}
			code, direct, _ := runCLI(t, nil, append(cmd, "--help")...)
			if code != ExitOK || direct != help {
				t.Errorf("%s --help (exit %d) differs from help %s:\n%s\n---\n%s", name, code, name, direct, help)
			}
			code, _, errText := runCLI(t, nil, append(cmd, "--no-such-flag")...)
			if code != ExitUsage || !strings.HasPrefix(errText, "dmarc-agent "+name+": flag provided but not defined: -no-such-flag\n\n"+help) {
				t.Errorf("%s --no-such-flag: exit %d, stderr:\n%s", name, code, errText)
			}
		})
	}
	for _, group := range []string{"dashboards", "gmail"} {
		code, out, _ := runCLI(t, nil, "help", group)
		if code != ExitOK || !strings.HasPrefix(out, "usage: dmarc-agent "+group+" ") {
			t.Errorf("help %s: exit %d, %q", group, code, out)
		}
		code, _, errText := runCLI(t, nil, group)
		if code != ExitUsage || !strings.HasPrefix(errText, "usage: dmarc-agent "+group+" ") {
			t.Errorf("%s alone: exit %d, %q", group, code, errText)
		}
	}
	if code, out, _ := runCLI(t, nil, "help"); code != ExitOK || !strings.Contains(out, "healthcheck") {
		t.Errorf("help: exit %d, %q", code, out)
	}
	if code, _, errText := runCLI(t, nil, "help", "nope"); code != ExitUsage || !strings.Contains(errText, `unknown command "nope"`) {
		t.Errorf("help nope: exit %d, %q", code, errText)
	}
}
