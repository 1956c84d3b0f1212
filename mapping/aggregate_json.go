package mapping

import "fmt"

// AppendJSON appends the document as compact JSON: byte for byte what
// encoding/json writes for it with SetEscapeHTML(false) (same field order,
// omitempty and omitzero, times in RFC 3339), several times faster and
// without allocating beyond dst's growth. On error (a time outside years
// 0-9999, a NaN or infinite coordinate) the returned slice is unspecified.
func (d *AggregateDoc) AppendJSON(dst []byte) ([]byte, error) {
	dst, err := d.appendPrefix(dst)
	if err != nil {
		return dst, err
	}
	return d.appendRecord(dst)
}

// appendPrefix writes the part of the document that comes from the report
// as a whole: `{"@timestamp":...,"report":{...},"policy":{...}`, the same
// for every record of a report (AggregateEncoder writes it once).
func (d *AggregateDoc) appendPrefix(dst []byte) ([]byte, error) {
	o := jsonObj{b: append(dst, '{'), first: true}
	o.key(`"@timestamp":`)
	n0 := len(o.b)
	var err error
	if o.b, err = appendJSONTime(o.b, d.Timestamp); err != nil {
		return o.b, fmt.Errorf("@timestamp: %w", err)
	}
	ts := o.b[n0:len(o.b):len(o.b)] // report.begin is usually the same time

	r := o.open(`"report":`)
	m := &d.Report
	r.str(`"org_name":`, m.OrgName)
	r.strOmit(`"org_email":`, m.OrgEmail)
	r.strOmit(`"extra_contact_info":`, m.ExtraContactInfo)
	r.str(`"id":`, m.ID)
	if m.Begin == d.Timestamp { // same instant, location and monotonic reading: same text
		r.key(`"begin":`)
		r.b = append(r.b, ts...)
	} else if err := r.time(`"begin":`, m.Begin); err != nil {
		return r.b, fmt.Errorf("report.begin: %w", err)
	}
	if err := r.time(`"end":`, m.End); err != nil {
		return r.b, fmt.Errorf("report.end: %w", err)
	}
	r.strsOmit(`"errors":`, m.Errors)
	r.strOmit(`"generator":`, m.Generator)
	r.str(`"schema":`, m.Schema)
	r.strsOmit(`"repairs":`, m.Repairs)
	o.close(r)

	p := o.open(`"policy":`)
	pp := &d.Policy
	p.str(`"domain":`, pp.Domain)
	p.strOmit(`"adkim":`, pp.ADKIM)
	p.strOmit(`"aspf":`, pp.ASPF)
	p.strOmit(`"p":`, pp.P)
	p.strOmit(`"sp":`, pp.SP)
	p.strOmit(`"np":`, pp.NP)
	if pp.Pct != nil {
		p.int(`"pct":`, int64(*pp.Pct))
	}
	p.strOmit(`"fo":`, pp.FO)
	p.strOmit(`"testing":`, pp.Testing)
	p.strOmit(`"discovery_method":`, pp.DiscoveryMethod)
	o.close(p)
	return o.b, nil
}

// appendRecord writes the rest of the document after appendPrefix: the
// record's own members and the closing brace.
func (d *AggregateDoc) appendRecord(dst []byte) ([]byte, error) {
	o := jsonObj{b: dst, first: false}
	var err error
	if o.b, err = d.Source.appendJSON(o, `"source":`); err != nil {
		return o.b, err
	}

	msg := o.open(`"message":`)
	msg.int(`"count":`, d.Message.Count)
	msg.strOmit(`"disposition":`, d.Message.Disposition)
	o.close(msg)

	dm := o.open(`"dmarc":`)
	dm.strOmit(`"dkim":`, d.DMARC.DKIM)
	dm.strOmit(`"spf":`, d.DMARC.SPF)
	if d.DMARC.Pass != nil {
		dm.bool(`"pass":`, *d.DMARC.Pass)
	}
	if ov := &d.DMARC.Override; ov.Types != nil || ov.Comments != nil { // omitzero
		x := dm.open(`"override":`)
		x.strsOmit(`"types":`, ov.Types)
		x.strsOmit(`"comments":`, ov.Comments)
		dm.close(x)
	}
	dm.strOmit(`"verdict":`, d.DMARC.Verdict)
	if d.DMARC.Derived {
		dm.bool(`"derived":`, true)
	}
	dm.strOmit(`"derived_dkim":`, d.DMARC.DerivedDKIM)
	dm.strOmit(`"derived_spf":`, d.DMARC.DerivedSPF)
	o.close(dm)

	id := o.open(`"identifiers":`)
	id.strOmit(`"header_from":`, d.Identifiers.HeaderFrom)
	id.strOmit(`"envelope_from":`, d.Identifiers.EnvelopeFrom)
	id.strOmit(`"envelope_to":`, d.Identifiers.EnvelopeTo)
	o.close(id)

	a := o.open(`"auth":`)
	if k := &d.Auth.DKIM; k.Domains != nil || k.Selectors != nil || k.Results != nil || k.HumanResults != nil {
		x := a.open(`"dkim":`)
		x.strsOmit(`"domains":`, k.Domains)
		x.strsOmit(`"selectors":`, k.Selectors)
		x.strsOmit(`"results":`, k.Results)
		x.strsOmit(`"human_results":`, k.HumanResults)
		a.close(x)
	}
	if s := &d.Auth.SPF; s.Domains != nil || s.Scopes != nil || s.Results != nil || s.HumanResults != nil {
		x := a.open(`"spf":`)
		x.strsOmit(`"domains":`, s.Domains)
		x.strsOmit(`"scopes":`, s.Scopes)
		x.strsOmit(`"results":`, s.Results)
		x.strsOmit(`"human_results":`, s.HumanResults)
		a.close(x)
	}
	o.close(a)
	o.strsOmit(`"warnings":`, d.Warnings)
	return append(o.b, '}'), nil
}

// appendJSON writes the source under key k of parent and returns the
// parent's buffer.
func (s *Source) appendJSON(parent jsonObj, k string) ([]byte, error) {
	o := parent.open(k)
	o.strOmit(`"address":`, s.Address)
	o.strOmit(`"ip":`, s.IP)
	o.strOmit(`"domain":`, s.Domain)
	o.strOmit(`"base_domain":`, s.BaseDomain)
	if g := s.Geo; g != nil {
		x := o.open(`"geo":`)
		x.strOmit(`"country_iso_code":`, g.CountryISOCode)
		x.strOmit(`"country_name":`, g.CountryName)
		x.strOmit(`"region_name":`, g.RegionName)
		x.strOmit(`"city_name":`, g.CityName)
		if l := g.Location; l != nil {
			y := x.open(`"location":`)
			if err := y.float(`"lat":`, l.Lat); err != nil {
				return y.b, fmt.Errorf("source.geo.location.lat: %w", err)
			}
			if err := y.float(`"lon":`, l.Lon); err != nil {
				return y.b, fmt.Errorf("source.geo.location.lon: %w", err)
			}
			x.close(y)
		}
		o.close(x)
	}
	if as := s.AS; as != nil {
		x := o.open(`"as":`)
		if as.Number != 0 {
			x.int(`"number":`, int64(as.Number))
		}
		if org := as.Organization; org != nil {
			y := x.open(`"organization":`)
			y.strOmit(`"name":`, org.Name)
			x.close(y)
		}
		o.close(x)
	}
	if sd := s.Sender; sd != nil {
		x := o.open(`"sender":`)
		x.strOmit(`"name":`, sd.Name)
		x.strOmit(`"type":`, sd.Type)
		x.strOmit(`"matched_by":`, sd.MatchedBy)
		o.close(x)
	}
	parent.close(o)
	return parent.b, nil
}
