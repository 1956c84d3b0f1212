package spec

var alignedShare = &Vis{
	ID: "dmarc-agent-aligned-share", Kind: agg, Type: "horizontal_bar",
	Title: "DMARC: alignment of legitimate traffic per domain",
	Description: "Per policy domain, the share of legitimate messages (everything not classified as spoofed) " +
		"that is aligned, forwarded, or misconfigured. Move to quarantine/reject once misconfigured is near zero.",
	Params: xyParams("horizontal_bar", "Share of legitimate messages", true, Series{"1", messages}),
	Query:  "NOT dmarc.verdict:spoofed",
	Aggs: []Agg{msgs("1"),
		terms("2", "segment", "policy.domain", 20, "1", "Policy domain", ""),
		terms("3", "group", "dmarc.verdict", 4, "1", "Verdict", "not classified")},
}

var misconfigured = &Vis{
	ID: "dmarc-agent-misconfigured-senders", Kind: agg, Type: "table",
	Title: "DMARC: senders to fix before enforcing",
	Description: "Legitimate senders still failing alignment (verdict misconfigured), per domain, " +
		"with the aligned DKIM and SPF results that failed.",
	Params: tableParams(true), Query: "dmarc.verdict:misconfigured",
	Aggs: []Agg{msgs("1"), cardinality("2", "source.ip", "Sending IPs"),
		terms("3", "bucket", "policy.domain", 20, "1", "Policy domain", ""),
		terms("4", "bucket", "source.sender.name", 10, "1", "Sender", "unknown sender"),
		terms("5", "bucket", "dmarc.dkim", 2, "1", "DKIM aligned", "none"),
		terms("6", "bucket", "dmarc.spf", 2, "1", "SPF aligned", "none")},
}

var spoofedOverTime = &Vis{
	ID: "dmarc-agent-spoofed-over-time", Kind: agg, Type: "histogram",
	Title:       "DMARC: spoofed messages per domain",
	Description: "Messages classified as spoofed (no aligned pass, not a known sender or forwarder), per report date and domain.",
	Params:      xyParams("histogram", messages, false, Series{"1", messages}),
	Query:       "dmarc.verdict:spoofed",
	Aggs: []Agg{msgs("1"), dateHistogram("2"),
		terms("3", "group", "policy.domain", 10, "1", "Policy domain", "")},
}

var failingDisposition = &Vis{
	ID: "dmarc-agent-failing-disposition", Kind: agg, Type: "table",
	Title:       "DMARC: what receivers did with failing mail",
	Description: "Disposition applied to messages failing DMARC, per domain: shows the effect of the current p and pct.",
	Params:      tableParams(true), Query: failing,
	Aggs: []Agg{msgs("1"),
		terms("2", "bucket", "policy.domain", 20, "1", "Policy domain", ""),
		terms("3", "bucket", "message.disposition", 3, "1", "Disposition", "not reported")},
}

var policyReadiness = Dashboard{
	ID: "dmarc-agent-policy-readiness", File: "policy-readiness", Title: "Policy readiness",
	Description: "Can I move to p=quarantine, then p=reject? Which of my own senders must be fixed first?",
	Panels: []Panel{
		{Vis: alignedShare, W: 24, H: 15}, {Vis: publishedPolicy, W: 24, H: 15},
		{Vis: misconfigured, W: 48, H: 15},
		{Vis: spoofedOverTime, W: 24, H: 15}, {Vis: failingDisposition, W: 24, H: 15},
	},
}
