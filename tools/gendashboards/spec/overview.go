package spec

import (
	"github.com/dmarc-agent/dmarc-agent/enrich/geoip"
	"github.com/dmarc-agent/dmarc-agent/mapping"
)

// Every aggregate visualisation measures messages (the sum of message.count),
// never documents: one document is one report row of any number of messages.
const messages = "Messages"

func msgs(id string) Agg { return sum(id, "message.count", messages) }

var agg = mapping.KindAggregate

var messagesByVerdict = &Vis{
	ID: "dmarc-agent-messages-by-verdict", Kind: agg, Type: "histogram",
	Title:       "DMARC: messages over time by verdict",
	Description: "Messages per report date, stacked by verdict: aligned, forwarded, misconfigured (a legitimate sender that fails alignment) or spoofed.",
	Params:      xyParams("histogram", messages, false, Series{"1", messages}),
	Aggs: []Agg{msgs("1"), dateHistogram("2"),
		terms("3", "group", "dmarc.verdict", 5, "1", "Verdict", "not classified")},
}

var passRate = &Vis{
	ID: "dmarc-agent-pass-rate", Kind: agg, Type: "area",
	Title:       "DMARC: pass rate over time",
	Description: "Share of messages that passed DMARC (aligned DKIM or SPF) per report date.",
	Params:      xyParams("area", "Share of messages", true, Series{"1", messages}),
	Aggs:        []Agg{msgs("1"), dateHistogram("2"), terms("3", "group", "dmarc.pass", 2, "_key", "DMARC pass", "")},
}

var passShare = &Vis{
	ID: "dmarc-agent-pass-share", Kind: agg, Type: "pie",
	Title:       "DMARC: pass and fail",
	Description: "Messages that passed or failed DMARC over the selected period.",
	Params:      pieParams(),
	Aggs:        []Agg{msgs("1"), terms("2", "segment", "dmarc.pass", 2, "1", "DMARC pass", "")},
}

var totals = &Vis{
	ID: "dmarc-agent-totals", Kind: agg, Type: "metric",
	Title:       "DMARC: messages, passing and failing",
	Description: "Total messages reported, and how many passed and failed DMARC.",
	Params:      metricParams(),
	Aggs: []Agg{msgs("1"), filters("2", "group",
		Filter{"All messages", "*"}, Filter{"Pass", "dmarc.pass:true"}, Filter{"Fail", "dmarc.pass:false"})},
}

var disposition = &Vis{
	ID: "dmarc-agent-disposition", Kind: agg, Type: "pie",
	Title:       "DMARC: disposition applied by receivers",
	Description: "What receivers did with the messages: none (delivered), quarantine or reject.",
	Params:      pieParams(),
	Aggs:        []Agg{msgs("1"), terms("2", "segment", "message.disposition", 5, "1", "Disposition", "not reported")},
}

var topReporters = &Vis{
	ID: "dmarc-agent-top-reporters", Kind: agg, Type: "table",
	Title:       "DMARC: top reporters",
	Description: "Organisations that sent aggregate reports, by messages reported.",
	Params:      tableParams(true),
	Aggs: []Agg{msgs("1"), cardinality("2", "report.id", "Reports"),
		terms("3", "bucket", "report.org_name", 20, "1", "Reporter", "unnamed")},
}

var topDomains = &Vis{
	ID: "dmarc-agent-top-domains", Kind: agg, Type: "table",
	Title:       "DMARC: top policy domains",
	Description: "Your domains (policy_published/domain) by messages, with how many sending IPs were seen.",
	Params:      tableParams(true),
	Aggs: []Agg{msgs("1"), cardinality("2", "source.ip", "Sending IPs"),
		terms("3", "bucket", "policy.domain", 20, "1", "Policy domain", "")},
}

// publishedPolicy shows, per domain, the policy published in the newest report.
var publishedPolicy = &Vis{
	ID: "dmarc-agent-published-policy", Kind: agg, Type: "table",
	Title:       "DMARC: published policy per domain",
	Description: "The DMARC record receivers saw in the newest report of each domain: p, sp, pct (absent in RFC 9990 reports) and testing (RFC 9990 t=).",
	Params:      tableParams(false),
	Aggs: []Agg{
		latest("1", "policy.p", "p"), latest("2", "policy.sp", "sp"),
		latest("3", "policy.pct", "pct"), latest("4", "policy.testing", "testing"),
		maxOf("5", "@timestamp", "Newest report"),
		terms("6", "bucket", "policy.domain", 50, "_key", "Policy domain", ""),
	},
}

// ipCredit is the notice the DB-IP licence (CC BY 4.0) asks for wherever data
// from the embedded IP database is shown.
var ipCredit = "**IP data:** " + geoip.Attribution + ", licensed under " +
	"[CC BY 4.0](https://creativecommons.org/licenses/by/4.0/); AS data also from " +
	"[RouteViews](https://www.routeviews.org/) and the [NRO](https://www.nro.net/). " +
	"Where you configured other IP databases (MaxMind GeoLite2, IPinfo), their terms apply."

var ipDataCredit = &Vis{
	ID: "dmarc-agent-ip-data-credit", Type: "markdown",
	Title:       "DMARC: IP data credit",
	Description: "Attribution the DB-IP licence asks for wherever its data is shown (enrich/geoip.Attribution).",
	Params:      markdownParams(ipCredit),
}

var overview = Dashboard{
	ID: "dmarc-agent-overview", File: "overview", Title: "DMARC overview",
	Description: "Is my mail passing DMARC, who reports on it, and what do my domains publish?",
	Panels: []Panel{
		{Vis: totals, W: 16, H: 8}, {Vis: passShare, W: 16, H: 8}, {Vis: disposition, W: 16, H: 8},
		{Vis: messagesByVerdict, W: 24, H: 15}, {Vis: passRate, W: 24, H: 15},
		{Vis: topReporters, W: 16, H: 15}, {Vis: topDomains, W: 16, H: 15}, {Vis: publishedPolicy, W: 16, H: 15},
		{Vis: ipDataCredit, W: 48, H: 4},
	},
}
