package spec

import "github.com/dmarc-agent/dmarc-agent/mapping"

// One failure document is one failed message, so failure visualisations count
// documents.

var fail = mapping.KindFailure

const reports = "Failure reports"

var failureOverTime = &Vis{
	ID: "dmarc-agent-failure-over-time", Kind: fail, Type: "histogram",
	Title:       "DMARC failures: reports over time",
	Description: "Failure reports per arrival date, by reported domain.",
	Params:      xyParams("histogram", reports, false, Series{"1", reports}),
	Aggs: []Agg{count("1", reports), dateHistogram("2"),
		terms("3", "group", "failure.reported_domain", 10, "1", "Reported domain", "missing")},
}

var failureAuth = &Vis{
	ID: "dmarc-agent-failure-auth-failure", Kind: fail, Type: "pie",
	Title:       "DMARC failures: what failed",
	Description: "Auth-Failure of the reports: dmarc, dkim, spf, adsp, bodyhash, revoked, signature.",
	Params:      pieParams(),
	Aggs:        []Agg{count("1", reports), terms("2", "segment", "failure.auth_failure", 10, "1", "Auth-Failure", "not given")},
}

var failureAlignment = &Vis{
	ID: "dmarc-agent-failure-identity-alignment", Kind: fail, Type: "pie",
	Title:       "DMARC failures: identity alignment",
	Description: "Identity-Alignment of the reports: which of DKIM and SPF aligned (none, dkim, spf).",
	Params:      pieParams(),
	Aggs:        []Agg{count("1", reports), terms("2", "segment", "failure.identity_alignment", 5, "1", "Identity-Alignment", "not given")},
}

var failureDomains = &Vis{
	ID: "dmarc-agent-failure-domains", Kind: fail, Type: "table",
	Title:       "DMARC failures: by reported domain and header From",
	Description: "Failure reports by reported domain, header From domain and delivery result.",
	Params:      tableParams(true),
	Aggs: []Agg{count("1", reports),
		terms("2", "bucket", "failure.reported_domain", 20, "1", "Reported domain", "missing"),
		terms("3", "bucket", "identifiers.header_from", 5, "1", "Header From", "missing"),
		terms("4", "bucket", "failure.delivery_result", 5, "1", "Delivery result", "not given")},
}

var failureSources = &Vis{
	ID: "dmarc-agent-failure-sources", Kind: fail, Type: "table",
	Title:       "DMARC failures: sending sources",
	Description: "Failure reports by sending IP, with its sender, network and country.",
	Params:      tableParams(true),
	Aggs: []Agg{count("1", reports),
		terms("2", "bucket", "source.ip", 20, "1", "Source IP", ""),
		terms("3", "bucket", "source.sender.name", 1, "1", "Sender", "unknown sender"),
		terms("4", "bucket", "source.as.organization.name", 1, "1", "AS organisation", "unknown"),
		terms("5", "bucket", "source.geo.country_name", 1, "1", "Country", "unknown")},
}

var failureReporters = &Vis{
	ID: "dmarc-agent-failure-reporters", Kind: fail, Type: "table",
	Title:       "DMARC failures: reporters",
	Description: "Who sends failure reports, by the domain of the report's sender.",
	Params:      tableParams(true),
	Aggs: []Agg{count("1", reports),
		terms("2", "bucket", "reporter.domain", 20, "1", "Reporter domain", "unknown")},
}

var failureMap = &Vis{
	ID: "dmarc-agent-failure-map", Kind: fail, Type: "tile_map",
	Title:       "DMARC failures: where failing mail comes from",
	Description: "Failure reports by location of the sending IP (needs a City database; see the sources table for countries).",
	Params:      tileMapParams(),
	Aggs:        []Agg{count("1", reports), geohash("2", "source.geo.location")},
}

var failureList = &Search{
	ID: "dmarc-agent-failure-list", Kind: fail,
	Title:       "DMARC failures: reports",
	Description: "Each failure report with the failed message's domains and subject.",
	Columns: []string{"failure.reported_domain", "source.ip", "identifiers.header_from",
		"identifiers.envelope_from", "failure.auth_failure", "message.subject"},
}

var failureDashboard = Dashboard{
	ID: "dmarc-agent-failure", File: "failure", Title: "Failure reports",
	Description: "Which messages failed DMARC, sent from where, claiming which domain? (failure/forensic reports)",
	Panels: []Panel{
		{Vis: failureOverTime, W: 24, H: 14}, {Vis: failureAuth, W: 12, H: 14}, {Vis: failureAlignment, W: 12, H: 14},
		{Vis: failureDomains, W: 24, H: 15}, {Vis: failureSources, W: 24, H: 15},
		{Vis: failureMap, W: 32, H: 16}, {Vis: failureReporters, W: 16, H: 16},
		{Search: failureList, W: 48, H: 18},
		{Vis: ipDataCredit, W: 48, H: 4},
	},
}
