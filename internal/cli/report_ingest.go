package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/dmarc-agent/dmarc-agent/insight"
	"github.com/dmarc-agent/dmarc-agent/insight/i18n"
	"github.com/dmarc-agent/dmarc-agent/insight/render"
	"github.com/dmarc-agent/dmarc-agent/insight/source"
)

// reportFileName is the owner's report `ingest` writes beside its NDJSON.
const reportFileName = "report.html"

// writeIngestReport writes report.html in dir from the NDJSON files the
// run wrote and the inputs it rejected, in the language of the
// environment, and returns its path.
func writeIngestReport(env Env, dir string, files []string, rejected []insight.Rejected) (string, error) {
	c := insight.NewCollector(nil, time.Time{})
	for _, f := range files {
		if err := source.ReadNDJSON(f, c); err != nil {
			return "", fmt.Errorf("reading back %s for the report: %w", f, err)
		}
	}
	for _, r := range rejected {
		c.Reject(r.Path, r.Reason)
	}
	p := i18n.New(i18n.FromEnv(env.getenv))
	path := filepath.Join(dir, reportFileName)
	tmp, err := os.CreateTemp(dir, ".report-*.html")
	if err != nil {
		return "", fmt.Errorf("writing the report: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if err := render.HTML(tmp, insight.Analyze(c.Facts(), p), p); err != nil {
		tmp.Close()
		return "", fmt.Errorf("writing the report: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("writing the report: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return "", fmt.Errorf("writing the report: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", fmt.Errorf("writing the report: %w", err)
	}
	return path, nil
}

// addReport writes report.html for an ingest run; failing to write it is
// an error of the run (exit 1), never a reason to lose what was written.
func (s *summary) addReport(env Env, dir string) {
	rejected := make([]insight.Rejected, 0, len(s.Rejected))
	for _, r := range s.Rejected {
		rejected = append(rejected, insight.Rejected{Path: r.Path, Reason: r.Reason})
	}
	path, err := writeIngestReport(env, dir, s.OutputFiles, rejected)
	if err != nil {
		s.Fatal = append(s.Fatal, err.Error())
		return
	}
	s.ReportFile = path
}
