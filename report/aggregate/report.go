package aggregate

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
		return invalid("no <feedback> root element")
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
	if rep.Policy.Domain == "" {
		return invalid("missing policy_published domain")
	}
	switch {
	case p.ns2 || rep.Version == "2.0":
		rep.Schema = SchemaRFC9990
	case rep.Version != "":
		rep.Schema = SchemaRFC7489
	default:
		rep.Schema = SchemaDraft
	}
	return nil
}
