package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dmarc-agent/dmarc-agent/collector/gmail/gmailtest"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestGmailAuthUsage(t *testing.T) {
	var stderr bytes.Buffer
	env := Env{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: &stderr}
	if code := Main(context.Background(), env, []string{"gmail"}); code != ExitUsage {
		t.Errorf("gmail without subcommand: exit %d", code)
	}
	if code := Main(context.Background(), env, []string{"gmail", "auth"}); code != ExitUsage {
		t.Errorf("gmail auth without an oauth configuration: exit %d", code)
	}
	if !strings.Contains(stderr.String(), "credentials_file") {
		t.Errorf("stderr does not say what is missing:\n%s", stderr.String())
	}
}

// `dmarc-agent gmail auth` on a headless machine: the URL is printed, the
// redirect URL is pasted, the token is saved 0600.
func TestGmailAuthPastedRedirect(t *testing.T) {
	f := gmailtest.New("reports@example.com")
	defer f.Close()
	dir := t.TempDir()
	client := filepath.Join(dir, "client.json")
	token := filepath.Join(dir, "token.json")
	if err := os.WriteFile(client, f.OAuthClientJSON(), 0o600); err != nil {
		t.Fatal(err)
	}
	cfgFile := filepath.Join(dir, "config.yaml")
	yaml := fmt.Sprintf("sources:\n  gmail:\n    auth: oauth\n    credentials_file: %s\n    token_file: %s\n", client, token)
	if err := os.WriteFile(cfgFile, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	inR, inW := io.Pipe()
	defer inW.Close()
	out, errOut := &lockedBuffer{}, &lockedBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- Main(context.Background(), Env{Stdin: inR, Stdout: out, Stderr: errOut}, []string{"gmail", "auth", "--config", cfgFile})
	}()
	var authURL string
	for deadline := time.Now().Add(10 * time.Second); authURL == "" && time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) { // poll the printed output for the URL
		for _, l := range strings.Split(out.String(), "\n") {
			if strings.HasPrefix(l, f.URL) {
				authURL = l
			}
		}
	}
	redirect, err := f.Approve(authURL)
	if err != nil {
		t.Fatalf("consent URL %q: %v", authURL, err)
	}
	io.WriteString(inW, redirect+"\n")
	if code := <-done; code != ExitOK {
		t.Fatalf("exit %d\n%s", code, errOut.String())
	}
	fi, err := os.Stat(token)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("token file: %v mode %v", err, fi)
	}
	for _, s := range f.Secrets() {
		if strings.Contains(out.String()+errOut.String(), s) {
			t.Errorf("a secret (%.8s…) was printed", s)
		}
	}
}
