package secret

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestSecretNeverPrinted(t *testing.T) {
	s := String("hunter2")
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "pw", s, "cfg", struct{ P String }{s})
	out := buf.String() + fmt.Sprint(s) + fmt.Sprintf("%v %+v %#v %s", s, struct{ P String }{s}, s, s)
	j, err := json.Marshal(struct{ P String }{s})
	if err != nil {
		t.Fatal(err)
	}
	out += string(j)
	if strings.Contains(out, "hunter2") {
		t.Fatalf("secret leaked: %s", out)
	}
	if s.Reveal() != "hunter2" || !s.IsSet() || String("").IsSet() {
		t.Fatal("Reveal/IsSet wrong")
	}
}
