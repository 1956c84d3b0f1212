package spec

import "github.com/dmarc-agent/dmarc-agent/mapping"

// One SMTP TLS document is one policy of a report: the session counts in
// tls.summary are per document; the tls.failure.* arrays are parallel
// (one entry per failure detail), so they are bucketed one at a time and
// counted in documents, never summed per entry.

var tlsKind = mapping.KindSMTPTLS

const sessions = "Sessions"

var tlsSessions = &Vis{
	ID: "dmarc-agent-tls-sessions", Kind: tlsKind, Type: "histogram",
	Title:       "SMTP TLS: sessions over time",
	Description: "Successful and failed TLS sessions reported per date.",
	Params: xyParams("histogram", sessions, false,
		Series{"1", "Successful sessions"}, Series{"2", "Failed sessions"}),
	Aggs: []Agg{sum("1", "tls.summary.successful", "Successful sessions"),
		sum("2", "tls.summary.failed", "Failed sessions"), dateHistogram("3")},
}

var tlsDomains = &Vis{
	ID: "dmarc-agent-tls-domains", Kind: tlsKind, Type: "table",
	Title:       "SMTP TLS: sessions per policy domain",
	Description: "Successful and failed sessions per policy domain and policy type (sts, tlsa, no-policy-found).",
	Params:      tableParams(true),
	Aggs: []Agg{sum("1", "tls.summary.successful", "Successful sessions"),
		sum("2", "tls.summary.failed", "Failed sessions"),
		terms("3", "bucket", "tls.policy.domain", 20, "2", "Policy domain", ""),
		terms("4", "bucket", "tls.policy.type", 3, "2", "Policy type", "not given")},
}

var tlsReporters = &Vis{
	ID: "dmarc-agent-tls-reporters", Kind: tlsKind, Type: "table",
	Title:       "SMTP TLS: reporters",
	Description: "Organisations sending TLS reports, with their reports and session counts.",
	Params:      tableParams(true),
	Aggs: []Agg{cardinality("1", "tls.report.id", "Reports"),
		sum("2", "tls.summary.successful", "Successful sessions"),
		sum("3", "tls.summary.failed", "Failed sessions"),
		terms("4", "bucket", "tls.report.org_name", 20, "2", "Reporter", "unnamed")},
}

const entries = "Policies reporting it"

var tlsResultTypes = &Vis{
	ID: "dmarc-agent-tls-result-types", Kind: tlsKind, Type: "pie",
	Title:       "SMTP TLS: failure result types",
	Description: "Policies reporting each failure result type (certificate-expired, starttls-not-supported, sts-policy-fetch-error ...).",
	Params:      pieParams(),
	Aggs:        []Agg{count("1", entries), terms("2", "segment", "tls.failure.result_types", 10, "1", "Result type", "")},
}

var tlsFailingMX = &Vis{
	ID: "dmarc-agent-tls-failing-mx", Kind: tlsKind, Type: "table",
	Title:       "SMTP TLS: receiving MX hosts with failures",
	Description: "Your MX host names named in failure details, by policies reporting them.",
	Params:      tableParams(false),
	Aggs: []Agg{count("1", entries),
		terms("2", "bucket", "tls.failure.receiving_mx_hostnames", 20, "1", "Receiving MX", "")},
}

var tlsSendingIPs = &Vis{
	ID: "dmarc-agent-tls-sending-ips", Kind: tlsKind, Type: "table",
	Title:       "SMTP TLS: sending MTAs with failures",
	Description: "Sending MTA IPs named in failure details, by policies reporting them.",
	Params:      tableParams(false),
	Aggs: []Agg{count("1", entries),
		terms("2", "bucket", "tls.failure.sending_mta_ips", 20, "1", "Sending MTA", "")},
}

var tlsDashboard = Dashboard{
	ID: "dmarc-agent-smtp-tls", File: "smtp-tls", Title: "SMTP TLS",
	Description: "Do senders reach my MX hosts over TLS, and when they fail, why? (RFC 8460 TLS-RPT)",
	Panels: []Panel{
		{Vis: tlsSessions, W: 32, H: 15}, {Vis: tlsResultTypes, W: 16, H: 15},
		{Vis: tlsDomains, W: 24, H: 15}, {Vis: tlsReporters, W: 24, H: 15},
		{Vis: tlsFailingMX, W: 24, H: 15}, {Vis: tlsSendingIPs, W: 24, H: 15},
	},
}
