package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// One Load names every problem of a file and of the environment: values
// that cannot be decoded, unknown keys, invalid values, and a misspelled
// variable; environment problems name the variable and its value.
func TestLoadNamesEveryProblemAtOnce(t *testing.T) {
	p := filepath.Join(t.TempDir(), "c.yaml")
	yaml := "pipeline:\n  shutdown_grace: soon\n  queue_size: zero\nbogus: 1\nlog:\n  format: xml\noutput:\n  opensearch:\n    urlz: [x]\n"
	if err := os.WriteFile(p, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(p, []string{
		"DMARC_AGENT_OUTPUT__OPENSEARCH__WORKERS=many",
		"DMARC_AGENT_INDEX__PREFIX=UPPER",
		"DMARC_AGENT_SOURCES__DIR__PATHS=/x",
		"DMARC_AGENT_LOG_LEVEL=debug",
		"DMARC_AGENT_REQUIRE_OPENSEARCH=1",
	})
	if err == nil {
		t.Fatal("no error")
	}
	got := strings.Split(err.Error(), "\n")
	want := []string{
		"invalid configuration:",
		`DMARC_AGENT_LOG_LEVEL: not a configuration variable (levels take a double underscore); use DMARC_AGENT_LOG__LEVEL to set log.level`,
		`bogus: unknown key`,
		`output.opensearch.urlz: unknown key; did you mean output.opensearch.urls?`,
		`output.opensearch.workers: cannot use DMARC_AGENT_OUTPUT__OPENSEARCH__WORKERS="many": cannot parse value as 'int': strconv.ParseInt: invalid syntax`,
		`pipeline.queue_size: cannot use "zero": cannot parse value as 'int': strconv.ParseInt: invalid syntax`,
		`pipeline.shutdown_grace: cannot use "soon": time: invalid duration`,
		`sources.dir.paths: unknown key (set by DMARC_AGENT_SOURCES__DIR__PATHS); did you mean sources.dir.path?`,
		`log.format: must be text or json, got "xml"`,
		`index.prefix: "UPPER" is not a valid index name prefix (lower-case letters, digits, - _ .) (set by DMARC_AGENT_INDEX__PREFIX)`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("error lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestWarningsNameTheNearestVariable(t *testing.T) {
	got := Warnings([]string{
		"DMARC_AGENT_LOGLEVEL=debug",         // nearest: log.level
		"DMARC_AGENT_LOG_LEVEL=debug",        // an error (Load), not a warning
		"DMARC_AGENT_REQUIRE_OPENSEARCH=1",   // the tests' own variable
		"DMARC_AGENT_HTTP__LISTEN=:1",        // configuration
		"DMARC_AGENT_ZZZZZZZZZZZZZZZZZZZZ=1", // nothing near
		"HOME=/root",
	})
	want := []string{
		"DMARC_AGENT_LOGLEVEL: ignored, not a configuration variable; nearest: DMARC_AGENT_LOG__LEVEL",
		"DMARC_AGENT_ZZZZZZZZZZZZZZZZZZZZ: ignored, not a configuration variable",
	}
	if !slices.Equal(got, want) {
		t.Errorf("warnings %q\nwant %q", got, want)
	}
}
