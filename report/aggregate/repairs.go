package aggregate

// aliases are the misspelt element names that real receivers write, with
// the name they mean. Each use is recorded as the repair "alias_" + name
// (in Report.Repairs for report-level elements, in Record.Warnings inside a
// record). mapping/FIELDS.md lists the table; keep the two in step.
var aliases = []struct {
	parent       node
	name, target string
}{
	// Seen from a large Japanese carrier. Only misspellings seen in real
	// reports belong here: a guessed one could shadow a future element.
	{nodeMetadata, "data_range", "date_range"},
}

// alias maps a misspelt element name under parent to its node; ok is false
// when name is not in the table.
func alias(parent node, name []byte) (n node, kind string, ok bool) {
	for _, a := range aliases {
		if a.parent == parent && a.name == string(name) {
			return child(parent, []byte(a.target)), "alias_" + a.name, true
		}
	}
	return nodeUnknown, "", false
}

// repair records a report-level repair or flag once.
func (p *parser) repair(kind string) {
	p.rep.Repairs = appendOnce(p.rep.Repairs, kind)
}

// noteAlias records the use of a misspelt element: a record-level warning
// inside a record, a report repair elsewhere.
func (p *parser) noteAlias(kind string) {
	for _, n := range p.stack {
		if n == nodeRecord {
			p.rec.Warnings = appendOnce(p.rec.Warnings, kind)
			return
		}
	}
	p.repair(kind)
}

func appendOnce(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}
