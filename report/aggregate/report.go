package aggregate

import (
	"strconv"
	"time"
)

func (p *parser) maybeReady() error {
	if p.ready || !p.metaDone || !p.polDone {
		return nil
	}
	if err := p.validate(); err != nil {
		return err
	}
	p.ready = true
	for i := range p.pending {
		if err := p.emit(&p.pending[i]); err != nil {
			return err
		}
	}
	p.pending = nil
	return nil
}

func (p *parser) finish() error {
	if p.sc.err != nil {
		return p.readError(p.sc.err)
	}
	if !p.rootSeen {
		if p.wrapped {
			return invalid("no <feedback> element (root element is <%s>)", p.firstRoot)
		}
		return invalid("no <feedback> element")
	}
	if !p.rootDone {
		return invalid("XML truncated: end of input inside <%s>", truncate(p.topName(), 64))
	}
	if !p.ready {
		if err := p.validate(); err != nil {
			return err
		}
		p.ready = true
		for i := range p.pending {
			if err := p.emit(&p.pending[i]); err != nil {
				return err
			}
		}
	}
	if p.nrec == 0 {
		return invalid("no records")
	}
	return nil
}

// validate checks the report-level fields and settles the schema.
func (p *parser) validate() error {
	m := &p.rep.Metadata
	rep := p.rep
	if m.ReportID == "" {
		return invalid("missing report_id")
	}
	begin, err := parseEpoch("begin", p.begin)
	if err != nil {
		return err
	}
	end, err := parseEpoch("end", p.end)
	if err != nil {
		return err
	}
	if begin.After(end) {
		return invalid("date_range begin %s is after end %s", begin.Format(timeFmt), end.Format(timeFmt))
	}
	m.Begin, m.End = begin, end
	if implausible(begin, end) {
		p.repair(RepairImplausibleDate)
	}
	if rep.Policy.Domain == "" {
		return invalid("missing policy_published domain")
	}
	switch {
	case p.ns2 || rep.Version == "2.0":
		rep.Schema = SchemaRFC9990
	case rep.Version == "" || preRFC(rep.Version):
		rep.Schema = SchemaDraft
	default:
		rep.Schema = SchemaRFC7489
	}
	return nil
}

// dmarcEpoch is 2012-01-01: no DMARC report covers an earlier time.
var dmarcEpoch = time.Date(2012, 1, 1, 0, 0, 0, 0, time.UTC)

// implausible flags a valid date range that no real report has: one that
// begins before DMARC existed (the RFC 9990 sample and the drafts' examples
// use 1970s timestamps) or spans more than 366 days. Such a report is kept
// as written: only the reporter knows its dates.
func implausible(begin, end time.Time) bool {
	return begin.Before(dmarcEpoch) || end.Sub(begin) > 366*24*time.Hour
}

// preRFC reports whether a version names a pre-RFC draft: a number below 1
// ("0.1", "0").
func preRFC(v string) bool {
	f, err := strconv.ParseFloat(v, 64)
	return err == nil && f >= 0 && f < 1
}
