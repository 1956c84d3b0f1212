package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A watched folder that is missing or is not a folder is a configuration
// error: exit 2 (which systemd does not restart), named, before the agent
// starts anything.
func TestRunMissingWatchedFolderIsConfigError(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "a-file")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct{ path, want string }{
		"missing":    {filepath.Join(dir, "incoming"), "no such file or directory"},
		"not folder": {file, "is not a folder"},
	} {
		t.Run(name, func(t *testing.T) {
			env := append([]string{
				"DMARC_AGENT_SOURCES__DIR__ENABLED=true",
				"DMARC_AGENT_SOURCES__DIR__PATH=" + tc.path,
				"DMARC_AGENT_SOURCES__DIR__STATE_FILE=" + filepath.Join(dir, "state.db"),
				"DMARC_AGENT_ARCHIVE__DIR=" + filepath.Join(dir, "archive"),
				"DMARC_AGENT_OUTPUT__FILE__DIR=" + filepath.Join(dir, "out"),
				"DMARC_AGENT_HTTP__LISTEN=",
			}, offline...)
			code, _, stderr := runCLI(t, env, "run", "--once")
			if code != ExitUsage {
				t.Fatalf("exit %d, want %d\n%s", code, ExitUsage, stderr)
			}
			if !strings.Contains(stderr, "sources.dir.path") || !strings.Contains(stderr, tc.want) {
				t.Errorf("stderr does not name sources.dir.path and %q:\n%s", tc.want, stderr)
			}
			if strings.Contains(stderr, "agent started") {
				t.Errorf("the agent started before the check:\n%s", stderr)
			}
			for _, p := range []string{"state.db", "archive", "out"} {
				if _, err := os.Stat(filepath.Join(dir, p)); err == nil {
					t.Errorf("%s was created although the configuration is invalid", p)
				}
			}
		})
	}
}
