package gmail_test

import (
	"errors"
	"log/slog"

	"github.com/go-viper/mapstructure/v2"
	"github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/providers/file"
	"github.com/knadh/koanf/v2"

	"github.com/dmarc-agent/dmarc-agent/collector/gmail"
)

var errTransient = errors.New("opensearch unavailable")

// loadExample decodes sources.gmail of config.example.yaml the way
// internal/config does (unknown keys are errors) over the defaults.
func loadExample() (gmail.Config, error) {
	k := koanf.New(".")
	if err := k.Load(file.Provider("../../config.example.yaml"), yaml.Parser()); err != nil {
		return gmail.Config{}, err
	}
	cfg := gmail.DefaultConfig()
	err := k.UnmarshalWithConf("sources.gmail", &cfg, koanf.UnmarshalConf{DecoderConfig: &mapstructure.DecoderConfig{
		TagName: "koanf", ErrorUnused: true, WeaklyTypedInput: true, Result: &cfg,
		DecodeHook: mapstructure.StringToTimeDurationHookFunc(),
	}})
	return cfg, err
}

func testLogger(w *syncBuffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func (fx mailboxFixture) byReportIDs() []string {
	var ids []string
	for _, id := range fx.byReport {
		ids = append(ids, id)
	}
	return ids
}
