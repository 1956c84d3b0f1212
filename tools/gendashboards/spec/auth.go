package spec

// The auth.* fields are parallel arrays (one entry per DKIM signature or SPF
// check). A visualisation buckets on at most one of them, combined only with
// scalar fields, so no row pairs a domain with another signature's result.

var dkimDomains = &Vis{
	ID: "dmarc-agent-dkim-domains", Kind: agg, Type: "table",
	Title:       "DMARC: DKIM signing domains",
	Description: "Messages per DKIM signing domain (d=), with the record's aligned DKIM result.",
	Params:      tableParams(false),
	Aggs: []Agg{msgs("1"),
		terms("2", "bucket", "auth.dkim.domains", 25, "1", "DKIM domain", "no signature"),
		terms("3", "bucket", "dmarc.dkim", 2, "1", "DKIM aligned", "none")},
}

var dkimSelectors = &Vis{
	ID: "dmarc-agent-dkim-selectors", Kind: agg, Type: "table",
	Title:       "DMARC: DKIM selectors",
	Description: "Messages per DKIM selector (s=) seen in signatures.",
	Params:      tableParams(false),
	Aggs: []Agg{msgs("1"), cardinality("2", "source.ip", "Sending IPs"),
		terms("3", "bucket", "auth.dkim.selectors", 25, "1", "Selector", "none")},
}

var dkimResults = &Vis{
	ID: "dmarc-agent-dkim-results", Kind: agg, Type: "pie",
	Title:       "DMARC: DKIM results",
	Description: "Messages with at least one DKIM signature of each result (pass, fail, none, temperror ...).",
	Params:      pieParams(),
	Aggs:        []Agg{msgs("1"), terms("2", "segment", "auth.dkim.results", 10, "1", "DKIM result", "no signature")},
}

var spfDomains = &Vis{
	ID: "dmarc-agent-spf-domains", Kind: agg, Type: "table",
	Title:       "DMARC: SPF domains",
	Description: "Messages per domain checked by SPF (MAIL FROM or HELO), with the record's aligned SPF result.",
	Params:      tableParams(false),
	Aggs: []Agg{msgs("1"),
		terms("2", "bucket", "auth.spf.domains", 25, "1", "SPF domain", "none"),
		terms("3", "bucket", "dmarc.spf", 2, "1", "SPF aligned", "none")},
}

var spfResults = &Vis{
	ID: "dmarc-agent-spf-results", Kind: agg, Type: "pie",
	Title:       "DMARC: SPF results",
	Description: "Messages per SPF result (pass, fail, softfail, neutral, none, temperror, permerror).",
	Params:      pieParams(),
	Aggs:        []Agg{msgs("1"), terms("2", "segment", "auth.spf.results", 10, "1", "SPF result", "none")},
}

var alignmentByFrom = &Vis{
	ID: "dmarc-agent-alignment-by-header-from", Kind: agg, Type: "table",
	Title:       "DMARC: alignment by header From domain",
	Description: "For each header From domain, messages by aligned DKIM and aligned SPF result.",
	Params:      tableParams(true),
	Aggs: []Agg{msgs("1"),
		terms("2", "bucket", "identifiers.header_from", 25, "1", "Header From", "missing"),
		terms("3", "bucket", "dmarc.dkim", 2, "1", "DKIM aligned", "none"),
		terms("4", "bucket", "dmarc.spf", 2, "1", "SPF aligned", "none")},
}

var envelopeVsFrom = &Vis{
	ID: "dmarc-agent-envelope-vs-header-from", Kind: agg, Type: "table",
	Title:       "DMARC: envelope From vs header From",
	Description: "Which envelope (MAIL FROM) domains send as each header From domain, and whether SPF aligned.",
	Params:      tableParams(true),
	Aggs: []Agg{msgs("1"),
		terms("2", "bucket", "identifiers.header_from", 20, "1", "Header From", "missing"),
		terms("3", "bucket", "identifiers.envelope_from", 5, "1", "Envelope From", "not reported"),
		terms("4", "bucket", "dmarc.spf", 2, "1", "SPF aligned", "none")},
}

var overrides = &Vis{
	ID: "dmarc-agent-overrides", Kind: agg, Type: "table",
	Title: "DMARC: policy overrides",
	Description: "Messages where the receiver overrode the policy (forwarded, mailing_list, local_policy, " +
		"trusted_forwarder, sampled_out, policy_test_mode), by reporter.",
	Params: tableParams(true), Query: "_exists_:dmarc.override.types",
	Aggs: []Agg{msgs("1"),
		terms("2", "bucket", "dmarc.override.types", 10, "1", "Override", ""),
		terms("3", "bucket", "report.org_name", 10, "1", "Reporter", "unnamed")},
}

var authentication = Dashboard{
	ID: "dmarc-agent-authentication", File: "authentication", Title: "Authentication details",
	Description: "Which DKIM keys and SPF domains sign and check my mail, and do they align with the header From?",
	Panels: []Panel{
		{Vis: dkimDomains, W: 24, H: 15}, {Vis: dkimSelectors, W: 12, H: 15}, {Vis: dkimResults, W: 12, H: 15},
		{Vis: spfDomains, W: 24, H: 15}, {Vis: spfResults, W: 24, H: 15},
		{Vis: alignmentByFrom, W: 24, H: 15}, {Vis: envelopeVsFrom, W: 24, H: 15},
		{Vis: overrides, W: 48, H: 12},
	},
}
