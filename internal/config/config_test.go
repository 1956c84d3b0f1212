package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/providers/file"
	"github.com/knadh/koanf/v2"
)

// TestExampleIsTheDefaults holds config.example.yaml ("every key is shown
// with its default") to the built-in defaults, key by key, both ways: every
// key of the configuration appears in the file, and each value in the file
// equals the default.
func TestExampleIsTheDefaults(t *testing.T) {
	const example = "../../config.example.yaml"
	cfg, err := Load(example, nil)
	if err != nil {
		t.Fatalf("config.example.yaml: %v", err)
	}
	if !cfg.Archive.Enabled || !Default().Archive.Enabled {
		t.Errorf("archive.enabled: example %v, default %v; both must be on", cfg.Archive.Enabled, Default().Archive.Enabled)
	}
	got, want := Leaves(cfg), Leaves(Default())
	if len(want) < 80 {
		t.Fatalf("only %d keys found in the defaults: the walk is broken", len(want))
	}
	for _, k := range Keys() {
		if !sameValue(got[k], want[k]) {
			t.Errorf("%s: config.example.yaml has %#v, the built-in default is %#v", k, got[k], want[k])
		}
	}
	k := koanf.New(".")
	if err := k.Load(file.Provider(example), yaml.Parser()); err != nil {
		t.Fatal(err)
	}
	for _, key := range Keys() {
		if !k.Exists(key) {
			t.Errorf("%s: not shown in config.example.yaml", key)
		}
	}
}

// sameValue is reflect.DeepEqual, except that an empty list equals a nil one
// (YAML "[]" and an unset Go slice mean the same).
func sameValue(a, b any) bool {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	if va.Kind() == reflect.Slice && vb.Kind() == reflect.Slice && va.Len() == 0 && vb.Len() == 0 {
		return va.Type() == vb.Type()
	}
	return reflect.DeepEqual(a, b)
}

func TestEnvOverrides(t *testing.T) {
	cfg, err := Load("", []string{
		"DMARC_AGENT_OUTPUT__OPENSEARCH__URLS=http://a:9200,http://b:9200",
		"DMARC_AGENT_OUTPUT__OPENSEARCH__RETRY__MAX_ELAPSED=90s",
		"DMARC_AGENT_INDEX__PREFIX=mail",
		"DMARC_AGENT_REQUIRE_OPENSEARCH=1", // not configuration: no double underscore
		"HOME=/root",
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Output.OpenSearch.URLs; len(got) != 2 || got[0] != "http://a:9200" || got[1] != "http://b:9200" {
		t.Errorf("urls = %q", got)
	}
	if cfg.Output.OpenSearch.Retry.MaxElapsed != 90*time.Second {
		t.Errorf("max_elapsed = %s", cfg.Output.OpenSearch.Retry.MaxElapsed)
	}
	if cfg.Index.Prefix != "mail" {
		t.Errorf("prefix = %q", cfg.Index.Prefix)
	}
}

func TestErrorsNameTheKey(t *testing.T) {
	for _, tc := range []struct{ name, yaml, want string }{
		{"unknown top", "bogus: 1\n", "bogus"},
		{"unknown nested", "output:\n  opensearch:\n    urlz: [x]\n", "urlz"},
		{"bad duration", "pipeline:\n  shutdown_grace: soon\n", "shutdown_grace"},
		{"bad enum", "log:\n  format: xml\n", "log.format"},
		{"bad url", "output:\n  opensearch:\n    urls: [\"ftp://x\"]\n", "output.opensearch.urls"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "c.yaml")
			if err := os.WriteFile(p, []byte(tc.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Load(p, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v does not name %q", err, tc.want)
			}
		})
	}
}

func TestValidateJoinsEveryProblem(t *testing.T) {
	c := Default()
	c.Log.Format = "xml"
	c.Pipeline.QueueSize = 0
	c.Output.OpenSearch.Workers = 0
	err := c.Validate()
	for _, key := range []string{"log.format", "pipeline.queue_size", "output.opensearch.workers"} {
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("error %v does not name %s", err, key)
		}
	}
}

func TestEnvUnknownKeyIsError(t *testing.T) {
	_, err := Load("", []string{"DMARC_AGENT_OUTPUT__NOPE=1"})
	if err == nil || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("want error naming nope, got %v", err)
	}
}

// A malformed URL with credentials is named in the error without them.
func TestBadURLErrorHidesPassword(t *testing.T) {
	for _, env := range [][]string{
		{"DMARC_AGENT_OUTPUT__OPENSEARCH__URLS=https://admin:s3cr%et@[::1:9200"},
		{"DMARC_AGENT_OUTPUT__OPENSEARCH__URLS=ftp://admin:s3cret@os.example:9200"},
		{"DMARC_AGENT_DASHBOARDS__URL=https://admin:s3cret@ bad host"},
	} {
		_, err := Load("", env)
		if err == nil {
			t.Fatalf("%v: no error", env)
		}
		msg := err.Error()
		if strings.Contains(msg, "s3cr") || !strings.Contains(msg, "://xxxxx@") {
			t.Errorf("%v: error shows the password or no redacted URL:\n%s", env, msg)
		}
	}
}
