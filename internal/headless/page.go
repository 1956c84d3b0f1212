package headless

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
)

// Viewport is the emulated screen.
type Viewport struct {
	Width, Height int
	Mobile        bool
}

// Page is what loading one page showed.
type Page struct {
	// Requests lists every URL the page asked for, the page itself included.
	Requests []string
	// Problems lists console messages of level warning or error, uncaught
	// exceptions and failed loads.
	Problems []string
	// ScrollWidth and ViewportWidth tell whether the page overflows the
	// screen sideways.
	ScrollWidth, ViewportWidth int
	// PNG is a screenshot of the whole page.
	PNG []byte
}

// Load opens url in a new tab with the viewport, scripts on or off, waits
// for the load event, and reports what happened, with a full-page
// screenshot.
func (b *Browser) Load(ctx context.Context, url string, vp Viewport, scripts bool) (Page, error) {
	var p Page
	res, err := b.Call(ctx, "", "Target.createTarget", map[string]any{"url": "about:blank"})
	if err != nil {
		return p, err
	}
	var target struct{ TargetID string }
	json.Unmarshal(res, &target)
	res, err = b.Call(ctx, "", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true})
	if err != nil {
		return p, err
	}
	var att struct{ SessionID string }
	json.Unmarshal(res, &att)
	s := att.SessionID
	defer b.Call(context.WithoutCancel(ctx), "", "Target.closeTarget", map[string]any{"targetId": target.TargetID})
	for _, step := range []struct {
		method string
		params any
	}{
		{"Network.enable", nil}, {"Runtime.enable", nil}, {"Log.enable", nil}, {"Page.enable", nil},
		{"Emulation.setDeviceMetricsOverride", map[string]any{"width": vp.Width, "height": vp.Height, "deviceScaleFactor": 1, "mobile": vp.Mobile}},
		{"Emulation.setScriptExecutionDisabled", map[string]any{"value": !scripts}},
	} {
		if _, err := b.Call(ctx, s, step.method, step.params); err != nil {
			return p, err
		}
	}
	from := len(b.Events())
	if _, err := b.Call(ctx, s, "Page.navigate", map[string]any{"url": url}); err != nil {
		return p, err
	}
	if _, err := b.WaitFor(ctx, s, "Page.loadEventFired", from); err != nil {
		return p, err
	}
	// Layout is read with the protocol, not by the page's own scripts.
	res, err = b.Call(ctx, s, "Runtime.evaluate", map[string]any{
		"expression": "[document.documentElement.scrollWidth, window.innerWidth]", "returnByValue": true})
	if err != nil {
		return p, err
	}
	var ev struct {
		Result struct{ Value []int } `json:"result"`
	}
	json.Unmarshal(res, &ev)
	if len(ev.Result.Value) == 2 {
		p.ScrollWidth, p.ViewportWidth = ev.Result.Value[0], ev.Result.Value[1]
	}
	// The screenshot holds the whole page: the viewport grows to its height.
	res, err = b.Call(ctx, s, "Page.getLayoutMetrics", nil)
	if err != nil {
		return p, err
	}
	var lm struct {
		CSSContentSize struct{ Height float64 } `json:"cssContentSize"`
	}
	json.Unmarshal(res, &lm)
	if h := min(int(lm.CSSContentSize.Height+0.5), 16000); h > vp.Height {
		if _, err := b.Call(ctx, s, "Emulation.setDeviceMetricsOverride", map[string]any{
			"width": vp.Width, "height": h, "deviceScaleFactor": 1, "mobile": vp.Mobile}); err != nil {
			return p, err
		}
	}
	res, err = b.Call(ctx, s, "Page.captureScreenshot", map[string]any{"format": "png"})
	if err != nil {
		return p, err
	}
	var shot struct{ Data string }
	json.Unmarshal(res, &shot)
	if p.PNG, err = base64.StdEncoding.DecodeString(shot.Data); err != nil {
		return p, fmt.Errorf("decoding the screenshot: %w", err)
	}
	for _, e := range b.Events()[from:] {
		if e.SessionID != s {
			continue
		}
		p.note(e)
	}
	return p, nil
}

func (p *Page) note(e Event) {
	switch e.Method {
	case "Network.requestWillBeSent":
		var r struct{ Request struct{ URL string } }
		json.Unmarshal(e.Params, &r)
		p.Requests = append(p.Requests, r.Request.URL)
	case "Runtime.consoleAPICalled":
		var c struct {
			Type string
			Args []struct {
				Value       any
				Description string
			}
		}
		json.Unmarshal(e.Params, &c)
		if c.Type == "error" || c.Type == "warning" || c.Type == "assert" {
			var parts []string
			for _, a := range c.Args {
				parts = append(parts, fmt.Sprint(a.Value)+a.Description)
			}
			p.Problems = append(p.Problems, "console."+c.Type+": "+strings.Join(parts, " "))
		}
	case "Runtime.exceptionThrown":
		var x struct{ ExceptionDetails struct{ Text string } }
		json.Unmarshal(e.Params, &x)
		p.Problems = append(p.Problems, "exception: "+x.ExceptionDetails.Text)
	case "Log.entryAdded":
		var l struct {
			Entry struct{ Level, Text, URL string }
		}
		json.Unmarshal(e.Params, &l)
		if l.Entry.Level == "error" || l.Entry.Level == "warning" {
			p.Problems = append(p.Problems, "log."+l.Entry.Level+": "+l.Entry.Text+" "+l.Entry.URL)
		}
	case "Network.loadingFailed":
		var f struct{ ErrorText string }
		json.Unmarshal(e.Params, &f)
		p.Problems = append(p.Problems, "load failed: "+f.ErrorText)
	}
}
