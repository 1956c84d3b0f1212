package aggregate

import (
	"bytes"
	"fmt"
)

// synthReport builds a Google-style RFC 7489 report of n records, with the
// variety of a real one: IPv4 and IPv6 sources, one or two DKIM signatures,
// passing and failing results, an override reason now and then.
func synthReport(n int, id string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8" ?>
<feedback>
  <version>1.0</version>
  <report_metadata>
    <org_name>google.com</org_name>
    <email>noreply-dmarc-support@google.com</email>
    <extra_contact_info>https://support.google.com/a/answer/2466580</extra_contact_info>
    <report_id>%s</report_id>
    <date_range>
      <begin>1700006400</begin>
      <end>1700092799</end>
    </date_range>
  </report_metadata>
  <policy_published>
    <domain>example.com</domain>
    <adkim>r</adkim>
    <aspf>r</aspf>
    <p>quarantine</p>
    <sp>quarantine</sp>
    <pct>100</pct>
    <np>reject</np>
  </policy_published>
`, id)
	results := []string{"pass", "fail", "pass", "pass", "none"}
	for i := range n {
		ip := fmt.Sprintf("198.51.%d.%d", (i/250)%250, i%250+1)
		if i%7 == 3 {
			ip = fmt.Sprintf("2001:db8:%x::%x", i/65536, i%65536+1)
		}
		dkim, spf := results[i%5], results[(i/5)%5]
		disp := "none"
		if dkim != "pass" && spf != "pass" {
			disp = "quarantine"
		}
		fmt.Fprintf(&b, `  <record>
    <row>
      <source_ip>%s</source_ip>
      <count>%d</count>
      <policy_evaluated>
        <disposition>%s</disposition>
        <dkim>%s</dkim>
        <spf>%s</spf>
`, ip, i%13+1, disp, dkim, spf)
		if i%11 == 5 {
			b.WriteString("        <reason>\n          <type>forwarded</type>\n          <comment>mailing list</comment>\n        </reason>\n")
		}
		fmt.Fprintf(&b, `      </policy_evaluated>
    </row>
    <identifiers>
      <header_from>example.com</header_from>
    </identifiers>
    <auth_results>
      <dkim>
        <domain>example.com</domain>
        <result>%s</result>
        <selector>s%d</selector>
      </dkim>
`, dkim, i%3)
		if i%4 == 0 {
			b.WriteString("      <dkim>\n        <domain>mail.example.net</domain>\n        <result>pass</result>\n        <selector>google</selector>\n      </dkim>\n")
		}
		fmt.Fprintf(&b, `      <spf>
        <domain>bounce%d.example.com</domain>
        <result>%s</result>
      </spf>
    </auth_results>
  </record>
`, i%17, spf)
	}
	b.WriteString("</feedback>\n")
	return b.Bytes()
}
