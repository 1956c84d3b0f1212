package aggregate

import (
	"bytes"
	"errors"
	"io"
	"reflect"
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
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := Parse(bytes.NewReader(data), func(rep *Report, rec *Record) error {
			m := rep.Metadata
			if m.ReportID == "" || rep.Policy.Domain == "" || m.Begin.After(m.End) || !rec.SourceIP.IsValid() || rec.Count < 0 {
				t.Fatalf("invalid report or record passed to fn: %+v %+v", rep, rec)
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
