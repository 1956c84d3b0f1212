package output

import (
	"encoding/json"
	"testing"
)

func TestAppendAction(t *testing.T) {
	got := AppendAction([]byte("x"), "create", Doc{Index: "dmarc-aggregate-2026.11", ID: `a<b>&"c"`})
	want := `x{"create":{"_index":"dmarc-aggregate-2026.11","_id":"a<b>&\"c\""}}` + "\n"
	if string(got) != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	var v map[string]map[string]string
	if err := json.Unmarshal(got[1:], &v); err != nil || v["create"]["_id"] != `a<b>&"c"` {
		t.Fatalf("not the JSON of the action: %v %v", v, err)
	}
}
