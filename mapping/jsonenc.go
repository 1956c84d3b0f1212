package mapping

import (
	"errors"
	"math"
	"strconv"
	"time"

	"github.com/dmarc-agent/dmarc-agent/internal/jsonenc"
)

// This file holds the primitives of the hand-written JSON encoders: they
// append exactly what encoding/json (with SetEscapeHTML(false), no indent)
// writes for the same value, without reflection or allocation.

// jsonObj writes the members of one object, with the commas between them.
type jsonObj struct {
	b     []byte
	first bool
}

// key writes a member's name. Callers pass it quoted, with its colon
// (`"name":`), so that it is one copy of a constant.
func (o *jsonObj) key(k string) {
	if o.first {
		o.first = false
	} else {
		o.b = append(o.b, ',')
	}
	o.b = append(o.b, k...)
}

func (o *jsonObj) str(k, v string) {
	o.key(k)
	o.b = jsonenc.AppendString(o.b, v)
}

// strOmit is a string field tagged omitempty.
func (o *jsonObj) strOmit(k, v string) {
	if v != "" {
		o.str(k, v)
	}
}

// strsOmit is a []string field tagged omitempty.
func (o *jsonObj) strsOmit(k string, v []string) {
	if len(v) == 0 {
		return
	}
	o.key(k)
	o.b = append(o.b, '[')
	for i, s := range v {
		if i > 0 {
			o.b = append(o.b, ',')
		}
		o.b = jsonenc.AppendString(o.b, s)
	}
	o.b = append(o.b, ']')
}

func (o *jsonObj) int(k string, v int64) {
	o.key(k)
	o.b = strconv.AppendInt(o.b, v, 10)
}

func (o *jsonObj) bool(k string, v bool) {
	o.key(k)
	o.b = strconv.AppendBool(o.b, v)
}

func (o *jsonObj) time(k string, t time.Time) error {
	o.key(k)
	var err error
	o.b, err = appendJSONTime(o.b, t)
	return err
}

func (o *jsonObj) float(k string, f float64) error {
	o.key(k)
	var err error
	o.b, err = appendJSONFloat(o.b, f)
	return err
}

// open starts a nested object under key k.
func (o *jsonObj) open(k string) jsonObj {
	o.key(k)
	return jsonObj{b: append(o.b, '{'), first: true}
}

// close ends a nested object opened by o.open.
func (o *jsonObj) close(inner jsonObj) {
	o.b = append(inner.b, '}')
}

var (
	errJSONYear = errors.New("json: time.Time year outside of range [0,9999]")
	errJSONZone = errors.New("json: time.Time timezone hour outside of range [0,23]")
	errJSONNaN  = errors.New("json: unsupported value: NaN or infinite float")
)

// appendJSONTime is time.Time's MarshalJSON: RFC 3339 with nanoseconds,
// refusing what RFC 3339 cannot hold.
func appendJSONTime(dst []byte, t time.Time) ([]byte, error) {
	dst = append(dst, '"')
	n0 := len(dst)
	dst = t.AppendFormat(dst, time.RFC3339Nano)
	switch {
	case dst[n0+len("9999")] != '-':
		return dst, errJSONYear
	case dst[len(dst)-1] != 'Z':
		c := dst[len(dst)-len("Z07:00")]
		z := dst[len(dst)-len("07:00"):]
		if ('0' <= c && c <= '9') || 10*(z[0]-'0')+(z[1]-'0') >= 24 {
			return dst, errJSONZone
		}
	}
	return append(dst, '"'), nil
}

// appendJSONFloat is encoding/json's float64 encoding (ES6 number to
// string).
func appendJSONFloat(dst []byte, f float64) ([]byte, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return dst, errJSONNaN
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		// e-09 becomes e-9
		if n := len(dst); n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst, nil
}
