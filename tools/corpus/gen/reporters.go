package gen

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// style is how a receiver lays out its XML.
type style int

const (
	styleGoogle    style = iota // 2-space indent, version 1.0
	styleMicrosoft              // xsd/xsi namespaces, envelope_to, spf scope
	styleYahoo                  // no version (pre-1.0 draft layout), one element per line
	stylePlain                  // small receivers: everything on few lines
)

// reporter is one receiver that sends aggregate reports.
type reporter struct {
	key, org, email, extra string
	weight                 float64 // share of the files
	mu, sigma              float64 // log-normal record count: median e^mu
	style                  style
	forms                  []string // attachment forms, picked uniformly
	domain                 string   // the receiver's own mail domain (file names, Message-IDs)
}

// reporters approximates who sends DMARC reports to a typical domain: Google
// and Microsoft dominate by volume and by records per report; Yahoo, Mail.Ru
// and docomo send small ones; a long tail of small receivers sends one or
// two records each, in every form.
var reporters = []reporter{
	{key: "google", org: "google.com", email: "noreply-dmarc-support@google.com",
		extra: "https://support.google.com/a/answer/2466580", weight: 0.34, mu: math.Log(25), sigma: 1.6,
		style: styleGoogle, forms: []string{"gz"}, domain: "google.com"},
	{key: "microsoft", org: "Enterprise Outlook", email: "dmarcreport@microsoft.com",
		weight: 0.16, mu: math.Log(5), sigma: 1.3, style: styleMicrosoft, forms: []string{"gz"},
		domain: "enterprise.protection.outlook.com"},
	{key: "outlook", org: "Outlook.com", email: "dmarcreport@microsoft.com",
		weight: 0.08, mu: math.Log(3), sigma: 1.0, style: styleMicrosoft, forms: []string{"gz"},
		domain: "protection.outlook.com"},
	{key: "yahoo", org: "Yahoo", email: "dmarchelp@yahooinc.com",
		weight: 0.12, mu: math.Log(3), sigma: 1.0, style: styleYahoo, forms: []string{"gz", "zip"}, domain: "yahoo.com"},
	{key: "mailru", org: "Mail.Ru", email: "dmarc_support@corp.mail.ru",
		weight: 0.05, mu: math.Log(3), sigma: 0.9, style: styleGoogle, forms: []string{"zip"}, domain: "mail.ru"},
	{key: "docomo", org: "docomo.ne.jp", email: "dmarc-report@docomo.ne.jp",
		weight: 0.03, mu: math.Log(2), sigma: 0.7, style: stylePlain, forms: []string{"zip"}, domain: "docomo.ne.jp"},
	{key: "small", weight: 0.22, mu: math.Log(2), sigma: 0.8, style: stylePlain,
		forms: []string{"xml", "gz", "zip"}},
}

// smallReceivers are the organisations of the long tail.
var smallReceivers = []string{
	"fastmail.com", "gmx.net", "web.de", "zoho.com", "comcast.net", "t-online.de", "seznam.cz",
	"free.fr", "orange.fr", "libero.it", "qq.com", "naver.com", "yandex.ru", "rambler.ru",
	"mimecast.org", "proofpoint.com", "cisco.com", "barracuda.com", "protonmail.ch", "ziggo.nl",
}

func pickReporter(r *rand.Rand) reporter {
	x := r.Float64()
	for _, rp := range reporters {
		if x < rp.weight {
			return rp
		}
		x -= rp.weight
	}
	return reporters[len(reporters)-1]
}

// policyDomain is one domain that publishes DMARC, with its fixed policy.
type policyDomain struct {
	name, p, sp string
	pct         int // 0: no pct element
}

var policyDomains = func() []policyDomain {
	base := []policyDomain{
		{"example.com", "reject", "reject", 100}, {"example.org", "quarantine", "quarantine", 100},
		{"example.net", "none", "none", 100}, {"shop.example.com", "quarantine", "", 50},
	}
	ps := []string{"none", "quarantine", "reject"}
	for i := range 16 {
		base = append(base, policyDomain{fmt.Sprintf("brand%02d.example", i), ps[i%3], ps[(i+1)%3], 100 - 10*(i%2)})
	}
	return base
}()

// source kinds: who sent the mail a record describes.
const (
	srcGoogle    = iota // the domain's own Google Workspace
	srcMicrosoft        // the domain's own Microsoft 365
	srcESP              // an email service provider sending for the domain
	srcForwarder        // a forwarder or mailing list relaying genuine mail
	srcSpoofer          // anybody else
)

var srcWeights = []float64{0.24, 0.18, 0.20, 0.10, 0.28}

func pickSource(r *rand.Rand) int {
	x := r.Float64()
	for i, w := range srcWeights {
		if x < w {
			return i
		}
		x -= w
	}
	return srcSpoofer
}

type esp struct{ name, dkim, spf, v4 string }

var esps = []esp{
	{"sendgrid", "sendgrid.net", "sendgrid.net", "167.89"},
	{"amazonses", "amazonses.com", "amazonses.com", "54.240"},
	{"mailchimp", "mcsv.net", "mcsv.net", "198.2"},
	{"mailgun", "mailgun.org", "mailgun.org", "69.72"},
}

type forwarder struct{ domain, v4 string }

var forwarders = []forwarder{{"lists.example.edu", "66.111"}, {"googlegroups.com", "74.125"}, {"forward.example.net", "85.214"}}

// sourceIP returns an address of the kind of sender, IPv6 for about one in
// eight records of the big providers and one in twenty spoofers.
func sourceIP(r *rand.Rand, kind int, e esp, f forwarder) string {
	switch kind {
	case srcGoogle:
		if r.IntN(8) == 0 {
			return fmt.Sprintf("2a00:1450:4864:%x::%x", r.IntN(32), r.IntN(0xffff)+1)
		}
		return fmt.Sprintf("209.85.%d.%d", 128+r.IntN(128), 1+r.IntN(254))
	case srcMicrosoft:
		if r.IntN(8) == 0 {
			return fmt.Sprintf("2a01:111:f400:fe%02x::%x", r.IntN(256), r.IntN(0xffff)+1)
		}
		if r.IntN(2) == 0 {
			return fmt.Sprintf("40.107.%d.%d", r.IntN(256), 1+r.IntN(254))
		}
		return fmt.Sprintf("52.%d.%d.%d", 100+r.IntN(4), r.IntN(256), 1+r.IntN(254))
	case srcESP:
		return fmt.Sprintf("%s.%d.%d", e.v4, r.IntN(128), 1+r.IntN(254))
	case srcForwarder:
		return fmt.Sprintf("%s.%d.%d", f.v4, r.IntN(256), 1+r.IntN(254))
	}
	if r.IntN(20) == 0 {
		return fmt.Sprintf("2%03x:%x:%x::%x", 0x400+r.IntN(0x400), r.IntN(0xffff), r.IntN(0xffff), 1+r.IntN(0xffff))
	}
	first := []int{5, 14, 23, 31, 37, 41, 45, 46, 58, 61, 77, 78, 89, 91, 94, 103, 112, 117, 134, 176, 181, 185, 186, 190, 194, 200, 212}
	return fmt.Sprintf("%d.%d.%d.%d", first[r.IntN(len(first))], r.IntN(256), r.IntN(256), 1+r.IntN(254))
}

// logNormal draws round(e^(mu+sigma*N)) clamped to [1, limit].
func logNormal(r *rand.Rand, mu, sigma float64, limit int) int {
	f := math.Exp(mu + sigma*r.NormFloat64())
	if f >= float64(limit) {
		return limit
	}
	return max(int(math.Round(f)), 1)
}
