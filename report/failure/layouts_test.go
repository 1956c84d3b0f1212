package failure

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
)

// TestMailWithoutFailureInformationIsRejected: a text mail that only talks
// about a failure ("Sender Domain is unknown" is not a field) holds nothing
// to index.
func TestMailWithoutFailureInformationIsRejected(t *testing.T) {
	b, err := os.ReadFile("testdata/reject_no_information.txt")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Parse(bytes.NewReader(b), received)
	if !errors.Is(err, ErrInvalid) || err.Error() != "invalid failure report: no feedback-report part and no ARF fields in the text" {
		t.Fatalf("err = %v", err)
	}
	if Looks(map[string][]string{"Content-Type": {"text/plain"}}, b) {
		t.Error("Looks says it is a failure report")
	}
}

// TestLooksAndHasFeedbackPart: the decoder's view of the new layouts.
func TestLooksAndHasFeedbackPart(t *testing.T) {
	for _, tc := range []struct {
		file          string
		looks, hasFBP bool
	}{
		{"exim_text.eml", true, false},
		{"domino_forward.eml", true, false},
		{"mixed_base64.eml", false, true},
		{"mixed_qp.eml", true, true},   // QP leaves the fields readable
		{"forwarded.eml", true, false}, // its report is a nested multipart/report
		{"text_only.eml", true, false},
	} {
		t.Run(tc.file, func(t *testing.T) {
			b, err := os.ReadFile("testdata/" + tc.file)
			if err != nil {
				t.Fatal(err)
			}
			_, body, _ := strings.Cut(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n\n")
			if got := Looks(map[string][]string{}, []byte(body)); got != tc.looks {
				t.Errorf("Looks = %v, want %v", got, tc.looks)
			}
			if got := HasFeedbackPart([]byte(body)); got != tc.hasFBP {
				t.Errorf("HasFeedbackPart = %v, want %v", got, tc.hasFBP)
			}
		})
	}
}
