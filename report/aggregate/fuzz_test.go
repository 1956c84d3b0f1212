package aggregate

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

type parseResult struct {
	Rep  Report
	Recs []Record
	Err  string
}

func parseCollect(r *bytes.Reader, oneByte bool) parseResult {
	var res parseResult
	var rd io.Reader = r
	if oneByte {
		rd = iotest.OneByteReader(r)
	}
	_, err := Parse(rd, func(rep *Report, rec *Record) error {
		res.Rep = *rep
		res.Recs = append(res.Recs, cloneRecord(rec))
		return nil
	})
	if err != nil {
		res.Err = err.Error()
	}
	return res
}

// FuzzParse: no input makes Parse panic or hang; every error is a one-line
// ErrInvalid; an accepted report is valid; and the result does not depend on
// how the input is split into reads.
func FuzzParse(f *testing.F) {
	f.Add([]byte(rfc7489Doc))
	f.Add([]byte(rfc9990Doc))
	f.Add(synthReport(3, "seed"))
	f.Add([]byte(strings.Replace(rfc7489Doc, `encoding="UTF-8"`, `encoding="ISO-8859-1"`, 1)))
	f.Add([]byte(`<!DOCTYPE feedback [<!ENTITY a "b">]><feedback>&a;</feedback>`))
	// What real receivers send: wrapped, misspelt, old dates, odd sources.
	f.Add([]byte(strings.Replace(rfc7489Doc, "<feedback>", "<xs:schema><feedback>", 1)))
	f.Add([]byte(strings.NewReplacer("<date_range>", "<data_range>", "</date_range>", "</data_range>", "1700006400", "100").Replace(rfc7489Doc)))
	f.Add([]byte(strings.Replace(rfc7489Doc, "<source_ip>198.51.100.7</source_ip>", "<source_ip>010.001.002.003</source_ip>", 1)))
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := Parse(bytes.NewReader(data), func(rep *Report, rec *Record) error {
			m := rep.Metadata
			if m.ReportID == "" || rep.Policy.Domain == "" || m.Begin.After(m.End) || rec.Count < 0 {
				t.Fatalf("invalid report or record passed to fn: %+v %+v", rep, rec)
			}
			// A record without a valid source says why, and keeps the text.
			switch {
			case rec.SourceIP.IsValid():
				if rec.SourceAddress != "" {
					t.Fatalf("address %q with a valid IP", rec.SourceAddress)
				}
			case rec.SourceAddress != "":
				if !slices.Contains(rec.Warnings, WarnInvalidSourceIP) {
					t.Fatalf("invalid source %q without its warning: %q", rec.SourceAddress, rec.Warnings)
				}
			case !slices.Contains(rec.Warnings, WarnMissingSourceIP):
				t.Fatalf("no source and no warning: %+v", rec)
			}
			return nil
		})
		if err != nil {
			if !errors.Is(err, ErrInvalid) || strings.ContainsAny(err.Error(), "\r\n") {
				t.Fatalf("error %q is not a one-line ErrInvalid", err)
			}
		} else if n == 0 {
			t.Fatalf("accepted a report without records")
		}
		whole := parseCollect(bytes.NewReader(data), false)
		split := parseCollect(bytes.NewReader(data), true)
		if !reflect.DeepEqual(whole, split) {
			t.Fatalf("result depends on read sizes:\nwhole %+v\nsplit %+v", whole, split)
		}
	})
}
