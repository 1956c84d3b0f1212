package output

import "github.com/dmarc-agent/dmarc-agent/internal/jsonenc"

// AppendAction appends the action line of a bulk request for d, with its
// newline: {"create":{"_index":"…","_id":"…"}}. The OpenSearch bulk body
// and the file output write the same line, so a document reads the same in
// both; ids and index names are written byte for byte (no HTML escaping).
func AppendAction(b []byte, action string, d Doc) []byte {
	b = append(b, `{"`...)
	b = append(b, action...)
	b = append(b, `":{"_index":`...)
	b = jsonenc.AppendString(b, d.Index)
	b = append(b, `,"_id":`...)
	b = jsonenc.AppendString(b, d.ID)
	return append(b, "}}\n"...)
}
