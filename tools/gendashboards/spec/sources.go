package spec

// failing selects report rows whose messages failed DMARC.
const failing = "dmarc.pass:false"

var sourceMap = &Vis{
	ID: "dmarc-agent-source-map", Kind: agg, Type: "tile_map",
	Title: "DMARC: where mail comes from",
	Description: "Messages by location of the sending IP (all results; filter on dmarc.verdict to see one). " +
		"Locations need a City database (enrich.geoip); the embedded database has countries only: see the country table.",
	Params: tileMapParams(),
	Aggs:   []Agg{msgs("1"), geohash("2", "source.geo.location")},
}

var failingSenders = &Vis{
	ID: "dmarc-agent-failing-senders", Kind: agg, Type: "table",
	Title:       "DMARC: failing sources by sender",
	Description: "Messages failing DMARC by named sending service (sender catalogue) and verdict.",
	Params:      tableParams(true), Query: failing,
	Aggs: []Agg{msgs("1"), cardinality("2", "source.ip", "Sending IPs"),
		terms("3", "bucket", "source.sender.name", 20, "1", "Sender", "unknown sender"),
		terms("4", "bucket", "dmarc.verdict", 4, "1", "Verdict", "not classified")},
}

var failingAS = &Vis{
	ID: "dmarc-agent-failing-as", Kind: agg, Type: "table",
	Title:       "DMARC: failing sources by network (AS)",
	Description: "Messages failing DMARC by autonomous system of the sending IP, and verdict.",
	Params:      tableParams(true), Query: failing,
	Aggs: []Agg{msgs("1"),
		terms("2", "bucket", "source.as.number", 20, "1", "AS", ""),
		terms("3", "bucket", "source.as.organization.name", 1, "1", "AS organisation", "unknown"),
		terms("4", "bucket", "dmarc.verdict", 4, "1", "Verdict", "not classified")},
}

var failingCountries = &Vis{
	ID: "dmarc-agent-failing-countries", Kind: agg, Type: "table",
	Title:       "DMARC: failing sources by country",
	Description: "Messages failing DMARC by country of the sending IP, and verdict.",
	Params:      tableParams(true), Query: failing,
	Aggs: []Agg{msgs("1"),
		terms("2", "bucket", "source.geo.country_name", 20, "1", "Country", "unknown"),
		terms("3", "bucket", "dmarc.verdict", 4, "1", "Verdict", "not classified")},
}

var failingRDNS = &Vis{
	ID: "dmarc-agent-failing-rdns", Kind: agg, Type: "table",
	Title:       "DMARC: failing sources by reverse DNS",
	Description: "Messages failing DMARC by registered domain of the sending IP's PTR name, and verdict.",
	Params:      tableParams(true), Query: failing,
	Aggs: []Agg{msgs("1"), cardinality("2", "source.ip", "Sending IPs"),
		terms("3", "bucket", "source.base_domain", 20, "1", "Reverse DNS domain", "no PTR"),
		terms("4", "bucket", "dmarc.verdict", 4, "1", "Verdict", "not classified")},
}

var failingIPs = &Vis{
	ID: "dmarc-agent-failing-ips", Kind: agg, Type: "table",
	Title:       "DMARC: top failing IPs",
	Description: "Sending IPs with the most messages failing DMARC, with their PTR name and verdict.",
	Params:      tableParams(true), Query: failing,
	Aggs: []Agg{msgs("1"),
		terms("2", "bucket", "source.ip", 25, "1", "Source IP", ""),
		terms("3", "bucket", "source.domain", 1, "1", "PTR name", "no PTR"),
		terms("4", "bucket", "dmarc.verdict", 4, "1", "Verdict", "not classified")},
}

var senderTypes = &Vis{
	ID: "dmarc-agent-sender-types", Kind: agg, Type: "pie",
	Title:       "DMARC: messages by sender type",
	Description: "Messages by kind of sending service (email provider, ESP, marketing, transactional, CRM, helpdesk, security gateway, forwarder, hosting, ISP, own).",
	Params:      pieParams(),
	Aggs:        []Agg{msgs("1"), terms("2", "segment", "source.sender.type", 12, "1", "Sender type", "unknown")},
}

var sources = Dashboard{
	ID: "dmarc-agent-sources", File: "sources", Title: "Sources",
	Description: "Am I being spoofed, and by whom? Where failing mail comes from: sender, network, country, reverse DNS.",
	Panels: []Panel{
		{Vis: sourceMap, W: 32, H: 18}, {Vis: senderTypes, W: 16, H: 18},
		{Vis: failingSenders, W: 24, H: 15}, {Vis: failingAS, W: 24, H: 15},
		{Vis: failingCountries, W: 24, H: 15}, {Vis: failingRDNS, W: 24, H: 15},
		{Vis: failingIPs, W: 48, H: 15},
		{Vis: ipDataCredit, W: 48, H: 4},
	},
}
