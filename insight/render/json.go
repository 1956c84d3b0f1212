package render

import (
	"encoding/json"
	"io"

	"github.com/dmarc-agent/dmarc-agent/insight"
)

// JSON writes the report as one indented JSON object (schema in
// docs/report.md).
func JSON(w io.Writer, r *insight.Report) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
