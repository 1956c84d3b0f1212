package aggregate

import "errors"

// ErrInvalid is matched (errors.Is) by every error Parse returns because of
// the report itself: malformed XML, a missing or invalid required field, a
// read error of the payload. Errors returned by the callback are passed back
// unchanged and do not match it.
var ErrInvalid = errors.New("invalid aggregate report")

// Error is why a report was rejected. Reason is one line.
type Error struct {
	Reason string
	Err    error // the read error behind it, if any (e.g. decode.ErrTooLarge)
}

func (e *Error) Error() string { return e.Reason }

// Is makes errors.Is(err, ErrInvalid) true.
func (e *Error) Is(target error) bool { return target == ErrInvalid }

// Unwrap returns the underlying read error.
func (e *Error) Unwrap() error { return e.Err }
