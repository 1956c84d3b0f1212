package render

import (
	"github.com/dmarc-agent/dmarc-agent/insight"
	"github.com/dmarc-agent/dmarc-agent/insight/i18n"
)

// Chart geometry of the daily trend, in SVG user units.
const (
	chartW, chartH       = 640, 200
	chartLeft, chartBase = 48, 170
	chartTop             = 12
)

type bar struct {
	X, W         float64
	PassY, PassH float64
	FailY, FailH float64
	Title        string
}

type tick struct {
	X, Y  float64
	Label string
}

type chart struct {
	W, H, Left, Base, Top, Right float64
	Bars                         []bar
	XTicks, YTicks               []tick
	Title                        string
}

// newChart lays out stacked daily bars: passing below, failing on top.
func newChart(days []insight.Day, p *i18n.Printer) chart {
	c := chart{W: chartW, H: chartH, Left: chartLeft, Base: chartBase, Top: chartTop, Right: chartW - 8, Title: p.T("chart.title")}
	if len(days) == 0 {
		return c
	}
	var top int64
	for _, d := range days {
		top = max(top, d.Pass+d.Fail)
	}
	top = niceCeil(top)
	plotW := c.Right - c.Left
	slot := plotW / float64(len(days))
	scale := (c.Base - c.Top) / float64(top)
	for i, d := range days {
		x := c.Left + float64(i)*slot
		b := bar{X: x + slot*0.15, W: slot * 0.7}
		b.PassH = float64(d.Pass) * scale
		b.PassY = c.Base - b.PassH
		b.FailH = float64(d.Fail) * scale
		b.FailY = b.PassY - b.FailH
		b.Title = d.Date + ": " + p.T("trend.pass") + " " + p.Num(d.Pass) + ", " + p.T("trend.fail") + " " + p.Num(d.Fail)
		c.Bars = append(c.Bars, b)
	}
	every := max(1, (len(days)+6)/7)
	for i := 0; i < len(days); i += every {
		c.XTicks = append(c.XTicks, tick{X: c.Left + (float64(i)+0.5)*slot, Y: c.Base + 16, Label: p.ShortDate(days[i].Date)})
	}
	for _, v := range []int64{0, top / 2, top} {
		c.YTicks = append(c.YTicks, tick{X: c.Left - 6, Y: c.Base - float64(v)*scale + 4, Label: p.Num(v)})
	}
	return c
}

// niceCeil rounds n up to 1, 2 or 5 times a power of ten (at least 1).
func niceCeil(n int64) int64 {
	if n <= 1 {
		return 1
	}
	for pow := int64(1); ; pow *= 10 {
		for _, m := range []int64{1, 2, 5} {
			if m*pow >= n {
				return m * pow
			}
		}
	}
}
