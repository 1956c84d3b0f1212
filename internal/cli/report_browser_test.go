package cli

import (
	"bytes"
	"context"
	"flag"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dmarc-agent/dmarc-agent/internal/headless"
)

var screenshots = flag.String("screenshots", "", "also write the sample report's screenshots to this `folder` (docs)")

// browser finds the headless Chromium that scripts/test.sh installs. It is
// skipped only where no browser could be installed, and never under CI.
func browser(t *testing.T) *headless.Browser {
	t.Helper()
	path, err := headless.Find()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%v: scripts/test.sh installs it (apt-get install chromium)", err)
		}
		t.Skipf("%v; scripts/test.sh installs it", err)
	}
	b, err := headless.Start(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func fileURL(t *testing.T, path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	return "file://" + abs
}

// TestReportInBrowser renders the HTML report of the sample story in a
// real headless Chromium, scripts off, on a desktop and a phone screen:
// no request but the file itself, no console error, nothing wider than
// the screen. A control page first proves that requests and console
// errors are seen.
func TestReportInBrowser(t *testing.T) {
	b := browser(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()
	desktop := headless.Viewport{Width: 1000, Height: 800}

	control := filepath.Join(dir, "control.html")
	os.WriteFile(control, []byte(`<!DOCTYPE html><html><body><p>control</p><img src="http://control.invalid/x.png">`+
		`<script>console.error("control-error")</script></body></html>`), 0o644)
	page, err := b.Load(ctx, fileURL(t, control), desktop, true)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(page.Requests, "http://control.invalid/x.png") || !strings.Contains(strings.Join(page.Problems, "\n"), "control-error") {
		t.Fatalf("the control page's request and console error were not seen: requests %v, problems %v", page.Requests, page.Problems)
	}

	for _, lang := range []string{"en", "ja"} {
		html := filepath.Join(dir, "report-"+lang+".html")
		if code, _, stderr := runCLI(t, offline, "report", "--lang", lang, "--domain", "example.net", "--out", html, samples); code != ExitOK {
			t.Fatalf("exit %d %s", code, stderr)
		}
		url := fileURL(t, html)
		for _, vp := range []headless.Viewport{desktop, {Width: 390, Height: 844, Mobile: true}} {
			page, err := b.Load(ctx, url, vp, false)
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Requests) != 1 || page.Requests[0] != url {
				t.Errorf("%s %dpx: requests %v, want only the file", lang, vp.Width, page.Requests)
			}
			if len(page.Problems) > 0 {
				t.Errorf("%s %dpx: console: %v", lang, vp.Width, page.Problems)
			}
			if page.ScrollWidth > page.ViewportWidth || page.ViewportWidth != vp.Width {
				t.Errorf("%s %dpx: page %d px wide on a %d px screen", lang, vp.Width, page.ScrollWidth, page.ViewportWidth)
			}
			img, err := png.Decode(bytes.NewReader(page.PNG))
			if err != nil {
				t.Fatalf("%s: screenshot: %v", lang, err)
			}
			if img.Bounds().Dx() != vp.Width || img.Bounds().Dy() < 1500 {
				t.Errorf("%s: screenshot %v, want %d px wide and the whole page", lang, img.Bounds(), vp.Width)
			}
			name := "report-" + lang + ".png"
			if vp.Mobile {
				name = "report-" + lang + "-phone.png"
			}
			os.WriteFile(filepath.Join(dir, name), page.PNG, 0o644)
			if *screenshots != "" && !vp.Mobile {
				if err := os.WriteFile(filepath.Join(*screenshots, name), page.PNG, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	t.Logf("screenshots in %s", dir)
}
