package tlsconf

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestClient(t *testing.T) {
	c, err := Client("", false, "x.ca_file")
	if err != nil || c.InsecureSkipVerify || c.RootCAs != nil || c.MinVersion == 0 {
		t.Fatalf("defaults: %+v, %v", c, err)
	}
	if _, err := Client(filepath.Join(t.TempDir(), "none.pem"), false, "x.ca_file"); err == nil || !strings.HasPrefix(err.Error(), "reading x.ca_file: ") {
		t.Errorf("missing file: %v", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.pem")
	os.WriteFile(bad, []byte("not a certificate"), 0o600)
	if _, err := Client(bad, false, "x.ca_file"); err == nil || err.Error() != "x.ca_file "+bad+": no PEM certificate found" {
		t.Errorf("no PEM: %v", err)
	}
}
