package config

import (
	"errors"
	"fmt"
	"sort"
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
// without a double underscore are not configuration; one that spells a key
// with single underscores (DMARC_AGENT_LOG_LEVEL) is an error, and Warnings
// names the others.
const EnvPrefix = "DMARC_AGENT_"

// Load reads defaults, then the YAML file at path (skipped when path is ""),
// then environment variables from environ (os.Environ() in main), and
// validates the result. The error lists every problem, one per line: values
// that cannot be decoded, unknown keys, invalid values; each names its key,
// and the variable and value when it came from the environment.
func Load(path string, environ []string) (Config, error) {
	k := koanf.New(".")
	if path != "" {
		if err := k.Load(file.Provider(path), yaml.Parser()); err != nil {
			return Config{}, fmt.Errorf("reading config file %s: %w", path, err)
		}
	}
	fromEnv := map[string]string{} // key → variable
	envp := env.Provider(".", env.Opt{
		Prefix: EnvPrefix,
		TransformFunc: func(name, value string) (string, any) {
			key := strings.TrimPrefix(name, EnvPrefix)
			if !strings.Contains(key, "__") {
				return "", nil // not a configuration variable
			}
			key = strings.ToLower(strings.ReplaceAll(key, "__", "."))
			fromEnv[key] = name
			return key, value
		},
		EnvironFunc: func() []string { return environ },
	})
	if err := k.Load(envp, nil); err != nil {
		return Config{}, fmt.Errorf("reading environment: %w", err)
	}
	var problems []string
	problems = append(problems, misspelledEnv(environ)...)
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
	bad := map[string]bool{} // keys whose value could not be decoded
	if err != nil {
		problems = append(problems, decodeProblems(err, k, fromEnv, bad)...)
	}
	// Validate what could be decoded, so that one run names every problem.
	// A key that failed to decode kept its default; it is not named twice.
	for _, p := range leafErrors(cfg.Validate()) {
		key, _, _ := strings.Cut(p, ":")
		if bad[key] {
			continue
		}
		if v, ok := fromEnv[key]; ok {
			p += " (set by " + v + ")"
		}
		problems = append(problems, p)
	}
	if len(problems) > 0 {
		return Config{}, Redact(fmt.Errorf("invalid configuration:\n%s", strings.Join(problems, "\n")))
	}
	return cfg, nil
}

// decodeProblems turns mapstructure's joined errors into one line per key,
// with the offending value and, for the environment, the variable.
func decodeProblems(err error, k *koanf.Koanf, fromEnv map[string]string, bad map[string]bool) []string {
	var out []string
	var walk func(error)
	walk = func(err error) {
		switch e := err.(type) {
		case interface{ Unwrap() []error }:
			for _, x := range e.Unwrap() {
				walk(x)
			}
			return
		case *mapstructure.DecodeError:
			inner := e.Unwrap()
			switch inner.(type) {
			case interface{ Unwrap() []error }, *mapstructure.DecodeError:
				walk(inner)
				return
			}
			name := e.Name()
			if keys, ok := strings.CutPrefix(inner.Error(), "has invalid keys: "); ok {
				for u := range strings.SplitSeq(keys, ", ") {
					key := u
					if name != "" {
						key = name + "." + u
					}
					out = append(out, unknownKey(key, fromEnv))
				}
				return
			}
			bad[name] = true
			if v, ok := fromEnv[name]; ok {
				out = append(out, fmt.Sprintf("%s: cannot use %s=%s: %v", name, v, quoteValue(k.Get(name)), inner))
			} else {
				out = append(out, fmt.Sprintf("%s: cannot use %s: %v", name, quoteValue(k.Get(name)), inner))
			}
			return
		}
		if w := errors.Unwrap(err); w != nil {
			walk(w) // "decoding failed due to the following error(s)"
			return
		}
		out = append(out, err.Error())
	}
	walk(err)
	sort.Strings(out)
	return out
}

func unknownKey(key string, fromEnv map[string]string) string {
	line := key + ": unknown key"
	if v, ok := fromEnv[key]; ok {
		line = fmt.Sprintf("%s: unknown key (set by %s)", key, v)
	}
	if near := nearest(key, Keys()); near != "" {
		line += "; did you mean " + near + "?"
	}
	return line
}

func quoteValue(v any) string {
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprintf("%v", v)
}

// leafErrors flattens joined errors into their lines.
func leafErrors(err error) []string {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []string
		for _, e := range j.Unwrap() {
			out = append(out, leafErrors(e)...)
		}
		return out
	}
	return strings.Split(err.Error(), "\n")
}
