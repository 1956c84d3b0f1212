package enrich

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"github.com/dmarc-agent/dmarc-agent/mapping"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
)

// serviceWithRegistry is newTestService that also returns its registry.
func serviceWithRegistry(t testing.TB, cfg Config, r *resolver) (*Service, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	s, err := NewWithResolver(context.Background(), cfg, discard(), reg, r)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, reg
}

// metricsText is the registry's enrich counters as text.
func metricsText(t testing.TB, reg *prometheus.Registry) string {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	for _, mf := range mfs {
		if strings.HasPrefix(mf.GetName(), "dmarc_agent_enrich_") && !strings.Contains(mf.GetName(), "dns") {
			expfmt.MetricFamilyToText(&b, mf)
		}
	}
	return b.String()
}

// mixedBatch is a batch of documents from the given IPs as the pipeline
// builds them (Source.IP formatted from the parsed address, Address for
// what is not one), with the parsed addresses.
func mixedBatch(ips []string) ([]*mapping.AggregateDoc, []netip.Addr) {
	docs := make([]*mapping.AggregateDoc, len(ips))
	addrs := make([]netip.Addr, len(ips))
	for i, ip := range ips {
		d := record("", "example.com", "fail", "fail", s2("example.com", "sendgrid.net"), s2("fail", "pass"), s2("example.com"), s2("fail"))
		if i%3 == 0 {
			d.DMARC.DKIM, d.DMARC.Pass = "pass", mapping.PassOf(true)
			d.Auth.DKIM.Results = s2("pass", "pass")
		}
		if a, err := netip.ParseAddr(ip); err == nil {
			d.Source.IP, addrs[i] = a.String(), a
		} else {
			d.Source.Address = ip
		}
		docs[i] = d
	}
	return docs, addrs
}

var batchIPs = []string{
	"8.8.8.8", "2001:4860:4860::8888", "40.107.0.1", "209.85.220.41", "8.8.8.8", "::ffff:8.8.4.4",
	"not-an-ip", "", "fe80::1%eth0", "40.107.0.1", "192.0.2.1", "2a01:111:f400::1", "209.85.220.41",
}

func marshal(t testing.TB, docs []*mapping.AggregateDoc) string {
	t.Helper()
	b, err := json.Marshal(docs)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestAggregateAddrsSameAsAggregate: given the parsed addresses, batch
// after batch on one service (its cache warm), the documents and the
// metrics are those of Aggregate parsing Source.IP on a new service.
func TestAggregateAddrsSameAsAggregate(t *testing.T) {
	cfg := DefaultConfig()
	r := &resolver{ptr: map[string]string{"40.107.0.1": "mail-dm6nam10on2001.outbound.protection.outlook.com.", "8.8.8.8": "dns.google."}}
	warm, warmReg := serviceWithRegistry(t, cfg, r)
	for round := range 3 {
		cold, coldReg := serviceWithRegistry(t, cfg, r)
		want, _ := mixedBatch(batchIPs)
		for range round + 1 { // the cold service sees as many batches as the warm one
			want, _ = mixedBatch(batchIPs)
			cold.Aggregate(context.Background(), want)
		}
		got, addrs := mixedBatch(batchIPs)
		warm.AggregateAddrs(context.Background(), got, addrs)
		if g, w := marshal(t, got), marshal(t, want); g != w {
			t.Fatalf("round %d: documents differ:\n got %s\nwant %s", round, g, w)
		}
		if g, w := metricsText(t, warmReg), metricsText(t, coldReg); g != w {
			t.Fatalf("round %d: metrics differ:\n got %s\nwant %s", round, g, w)
		}
	}
	if got, _ := mixedBatch(batchIPs); true {
		warm.Aggregate(context.Background(), got)
		if got[2].Source.Sender == nil || got[2].Source.Sender.MatchedBy != "ptr" || got[2].Source.BaseDomain != "outlook.com" ||
			got[0].Source.AS == nil || got[0].Source.AS.Number != 15169 || got[6].Source.Geo != nil || got[6].Source.Address != "not-an-ip" {
			t.Errorf("unexpected enrichment: %+v %+v %+v", got[2].Source, got[0].Source, got[6].Source)
		}
	}
	// 4 batches of 13 documents: 2 sources each that are no IP address; 8
	// distinct addresses per batch (::ffff:8.8.4.4 is 8.8.4.4), 6 of them
	// found in the embedded database (not 192.0.2.1 nor fe80::1).
	m := metricsText(t, warmReg)
	for _, want := range []string{
		`dmarc_agent_enrich_invalid_ips_total 8`,
		`dmarc_agent_enrich_geoip_lookups_total{result="found"} 24`,
		`dmarc_agent_enrich_geoip_lookups_total{result="not_found"} 8`,
	} {
		if !strings.Contains(m, want+"\n") {
			t.Errorf("metrics lack %q:\n%s", want, m)
		}
	}
}

// TestConcurrentBatches: workers enriching at once each get their own
// cache and the documents a lone service gives (run with -race).
func TestConcurrentBatches(t *testing.T) {
	cfg := DefaultConfig()
	cfg.DNS.Offline = true
	ref := newTestService(t, cfg, nil)
	want, _ := mixedBatch(batchIPs)
	ref.Aggregate(context.Background(), want)
	w := marshal(t, want)
	svc := newTestService(t, cfg, nil)
	var wg sync.WaitGroup
	errs := make(chan string, 4)
	for range 4 {
		wg.Go(func() {
			for range 50 {
				got, addrs := mixedBatch(batchIPs)
				svc.AggregateAddrs(context.Background(), got, addrs)
				if g := marshal(t, got); g != w {
					errs <- g
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for g := range errs {
		t.Fatalf("concurrent batch differs:\n got %s\nwant %s", g, w)
	}
}

// TestCacheFull: batches of addresses from more networks than a cache
// holds (networks then take each other's slots) give what a new service
// gives.
func TestCacheFull(t *testing.T) {
	cfg := DefaultConfig()
	cfg.DNS.Offline = true
	warm := newTestService(t, cfg, nil)
	for b := range 3 {
		ips := make([]string, 3000)
		for i := range ips {
			n := b*3000 + i
			ips[i] = fmt.Sprintf("%d.%d.%d.1", []int{8, 40, 209, 52}[n%4], n/256%256, n%256)
		}
		want, _ := mixedBatch(ips)
		newTestService(t, cfg, nil).Aggregate(context.Background(), want)
		got, addrs := mixedBatch(ips)
		warm.AggregateAddrs(context.Background(), got, addrs)
		if g, w := marshal(t, got), marshal(t, want); g != w {
			t.Fatalf("batch %d differs", b)
		}
	}
	c := warm.caches.get()
	defer warm.caches.put(c)
	if n := c.networks(); n < cacheNets/2 {
		t.Fatalf("the table holds %d networks after 9,000 of them", n)
	}
}

// networks counts the networks c remembers.
func (c *cache) networks() int {
	n := 0
	for _, sl := range c.nets {
		if sl.ok {
			n++
		}
	}
	return n
}

// TestNetworkCacheSameAsLookup: addresses answered from the network cache
// (other addresses of the same /24 or /48 met before) get what a lookup of
// their own gives.
func TestNetworkCacheSameAsLookup(t *testing.T) {
	cfg := DefaultConfig()
	cfg.DNS.Offline = true
	var ips []string
	for i := range 256 {
		ips = append(ips, fmt.Sprintf("8.8.8.%d", i), fmt.Sprintf("40.107.%d.%d", i%3, i), fmt.Sprintf("2001:4860:4860::%x", i*97),
			fmt.Sprintf("2a01:111:f400:%x::%x", i%5, i), fmt.Sprintf("1.1.%d.%d", i%2, 255-i))
	}
	warm := newTestService(t, cfg, nil)
	got, addrs := mixedBatch(ips)
	for i := 0; i < len(got); i += 200 {
		j := min(i+200, len(got))
		warm.AggregateAddrs(context.Background(), got[i:j], addrs[i:j])
	}
	ref := newTestService(t, cfg, nil)
	want, _ := mixedBatch(ips)
	for i := range want {
		ref.caches = cachePool{} // a new cache: this address is looked up
		ref.Aggregate(context.Background(), want[i:i+1])
	}
	if g, w := marshal(t, got), marshal(t, want); g != w {
		t.Fatalf("documents differ:\n got %s\nwant %s", g, w)
	}
	c := warm.caches.get()
	defer warm.caches.put(c)
	if n := c.networks(); n == 0 || n > 20 {
		t.Errorf("%d networks remembered for 5 ranges", n)
	}
	if len(c.index) > 200 { // the last batch's addresses only
		t.Errorf("%d addresses remembered after a batch of 200", len(c.index))
	}
}
