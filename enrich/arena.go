package enrich

import (
	"github.com/dmarc-agent/dmarc-agent/enrich/senders"
	"github.com/dmarc-agent/dmarc-agent/enrich/verdict"
	"github.com/dmarc-agent/dmarc-agent/mapping"
)

// arena hands out the enrichment values of one batch from one slice per
// type, allocated at first use with room for the whole batch, instead of
// one allocation per value. A batch's slices are never reused: documents
// may keep pointing into them.
type arena struct {
	n       int
	geos    []mapping.Geo
	points  []mapping.GeoPoint
	ases    []mapping.AS
	orgs    []mapping.Organization
	senders []mapping.Sender
}

// next appends v to *s (made with capacity n at first use) and returns a
// pointer to it; at most n values are taken, so *s never moves.
func next[T any](s *[]T, n int, v T) *T {
	if *s == nil || len(*s) == cap(*s) {
		*s = make([]T, 0, n)
	}
	*s = append(*s, v)
	return &(*s)[len(*s)-1]
}

func (a *arena) geo(v mapping.Geo) *mapping.Geo                   { return next(&a.geos, a.n, v) }
func (a *arena) point(v mapping.GeoPoint) *mapping.GeoPoint       { return next(&a.points, a.n, v) }
func (a *arena) as(v mapping.AS) *mapping.AS                      { return next(&a.ases, a.n, v) }
func (a *arena) org(v mapping.Organization) *mapping.Organization { return next(&a.orgs, a.n, v) }
func (a *arena) sender(v mapping.Sender) *mapping.Sender          { return next(&a.senders, a.n, v) }

// batchCounts are the metrics of one batch, added to the counters once.
type batchCounts struct {
	invalid                              int
	geoFound, geoNotFound, geoError      int
	byPTR, byDKIM, byASN, byNone         int
	aligned, forwarded, misconf, spoofed int
	other                                map[string]int // match kinds or verdicts outside the lists above
	otherVerdicts                        map[string]int
}

func (n *batchCounts) match(by string) {
	switch by {
	case senders.ByPTR:
		n.byPTR++
	case senders.ByDKIM:
		n.byDKIM++
	case senders.ByASN:
		n.byASN++
	case "none":
		n.byNone++
	default:
		if n.other == nil {
			n.other = map[string]int{}
		}
		n.other[by]++
	}
}

func (n *batchCounts) verdict(v string) {
	switch v {
	case verdict.Aligned:
		n.aligned++
	case verdict.Forwarded:
		n.forwarded++
	case verdict.Misconfigured:
		n.misconf++
	case verdict.Spoofed:
		n.spoofed++
	default:
		if n.otherVerdicts == nil {
			n.otherVerdicts = map[string]int{}
		}
		n.otherVerdicts[v]++
	}
}
