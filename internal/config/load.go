package config

import (
	"fmt"
	"strings"

	"github.com/go-viper/mapstructure/v2"
	"github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/providers/env/v2"
	"github.com/knadh/koanf/providers/file"
	"github.com/knadh/koanf/v2"
)

// EnvPrefix starts every configuration environment variable. Sections and keys
// are separated by a double underscore: DMARC_AGENT_OUTPUT__OPENSEARCH__URLS
// sets output.opensearch.urls. Lists take comma-separated values. Variables
// without a double underscore are not configuration and are ignored.
const EnvPrefix = "DMARC_AGENT_"

// Load reads defaults, then the YAML file at path (skipped when path is ""),
// then environment variables from environ (os.Environ() in main), and
// validates the result.
func Load(path string, environ []string) (Config, error) {
	k := koanf.New(".")
	if path != "" {
		if err := k.Load(file.Provider(path), yaml.Parser()); err != nil {
			return Config{}, fmt.Errorf("reading config file %s: %w", path, err)
		}
	}
	envp := env.Provider(".", env.Opt{
		Prefix: EnvPrefix,
		TransformFunc: func(key, value string) (string, any) {
			key = strings.TrimPrefix(key, EnvPrefix)
			if !strings.Contains(key, "__") {
				return "", nil // not a configuration variable
			}
			return strings.ToLower(strings.ReplaceAll(key, "__", ".")), value
		},
		EnvironFunc: func() []string { return environ },
	})
	if err := k.Load(envp, nil); err != nil {
		return Config{}, fmt.Errorf("reading environment: %w", err)
	}
	cfg := Default()
	err := k.UnmarshalWithConf("", &cfg, koanf.UnmarshalConf{DecoderConfig: &mapstructure.DecoderConfig{
		TagName:          "koanf",
		ErrorUnused:      true,
		WeaklyTypedInput: true,
		Result:           &cfg,
		DecodeHook: mapstructure.ComposeDecodeHookFunc(
			mapstructure.StringToTimeDurationHookFunc(),
			mapstructure.StringToSliceHookFunc(","),
			mapstructure.TextUnmarshallerHookFunc(),
		),
	}})
	if err != nil {
		return Config{}, Redact(fmt.Errorf("config: %w", err))
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, fmt.Errorf("invalid configuration:\n%w", err)
	}
	return cfg, nil
}
