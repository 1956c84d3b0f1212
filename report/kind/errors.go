package kind

import "errors"

// The classes of input that is not a valid report. Errors are matched with
// errors.Is, never by their text; Classify names the class for metrics.
var (
	// ErrNoReport marks input that holds no valid report: a mail message
	// with no report in it, or a message all of whose reports were rejected.
	ErrNoReport = errors.New("no valid report")
	// ErrTooLarge marks a payload past the decoder's size limit.
	ErrTooLarge = errors.New("payload too large")
)

// Classed returns an error whose text is msg and that matches class with
// errors.Is: a reason keeps its own wording and still carries its class.
func Classed(class error, msg string) error { return &classed{msg: msg, class: class} }

type classed struct {
	msg   string
	class error
}

func (e *classed) Error() string { return e.msg }
func (e *classed) Unwrap() error { return e.class }

// Classify names the class of a rejection for a low-cardinality metric
// label: "too_large", "no_report", or other (the caller's class for what
// it could not read: "container" for the decoder, "report" for a parser).
func Classify(err error, other string) string {
	switch {
	case errors.Is(err, ErrTooLarge):
		return "too_large"
	case errors.Is(err, ErrNoReport):
		return "no_report"
	}
	return other
}
