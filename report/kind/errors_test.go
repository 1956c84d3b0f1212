package kind

import (
	"errors"
	"fmt"
	"testing"
)

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("%w: more than 10 bytes", ErrTooLarge), "too_large"},
		{fmt.Errorf("zip entry: %w", fmt.Errorf("%w: more than 10 bytes", ErrTooLarge)), "too_large"},
		{Classed(ErrNoReport, "no report found in message"), "no_report"},
		{Classed(ErrTooLarge, "zip archive larger than 10 bytes"), "too_large"},
		// The text alone never classifies.
		{errors.New("payload too large: but not wrapped"), "container"},
		{errors.New("no valid report"), "container"},
	} {
		if got := Classify(tc.err, "container"); got != tc.want {
			t.Errorf("Classify(%q) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

func TestClassedKeepsItsText(t *testing.T) {
	err := Classed(ErrNoReport, "no report found in message")
	if err.Error() != "no report found in message" {
		t.Fatalf("text %q", err.Error())
	}
	if !errors.Is(fmt.Errorf("walking: %w", err), ErrNoReport) {
		t.Fatal("wrapped classed error lost its class")
	}
}

func TestIndexKind(t *testing.T) {
	for k, want := range map[Kind]string{Aggregate: "aggregate", Failure: "failure", SMTPTLS: "smtp-tls"} {
		if got := k.IndexKind(); got != want {
			t.Errorf("%s.IndexKind() = %q, want %q", k, got, want)
		}
	}
}
