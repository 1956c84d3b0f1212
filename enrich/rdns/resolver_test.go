package rdns

import (
	"context"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"net"
	"net/netip"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

// serveDNS answers PTR and A queries from the given records over UDP.
func serveDNS(t *testing.T, ptr map[string]string, a map[string]netip.Addr) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			var p dnsmessage.Parser
			h, err := p.Start(buf[:n])
			if err != nil {
				continue
			}
			q, err := p.Question()
			if err != nil {
				continue
			}
			b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true, RCode: dnsmessage.RCodeNameError})
			rh := dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 60}
			var answer func() error
			switch {
			case q.Type == dnsmessage.TypePTR && ptr[q.Name.String()] != "":
				answer = func() error {
					return b.PTRResource(rh, dnsmessage.PTRResource{PTR: dnsmessage.MustNewName(ptr[q.Name.String()])})
				}
			case q.Type == dnsmessage.TypeA && a[q.Name.String()].IsValid():
				answer = func() error { return b.AResource(rh, dnsmessage.AResource{A: a[q.Name.String()].As4()}) }
			}
			if answer != nil {
				b = dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true})
			}
			b.EnableCompression()
			_ = b.StartQuestions()
			_ = b.Question(q)
			_ = b.StartAnswers()
			if answer != nil {
				if err := answer(); err != nil {
					t.Error(err)
				}
			}
			msg, err := b.Finish()
			if err != nil {
				t.Error(err)
				continue
			}
			_, _ = pc.WriteTo(msg, from)
		}
	}()
	t.Cleanup(func() { pc.Close(); <-done })
	return pc.LocalAddr().String()
}

// The real resolver path (configured servers, UDP, forward confirmation)
// against a local DNS server.
func TestSystemResolverWithServers(t *testing.T) {
	server := serveDNS(t,
		map[string]string{"41.220.85.209.in-addr.arpa.": "Mail-Sor-F41.Google.com."},
		map[string]netip.Addr{"mail-sor-f41.google.com.": netip.MustParseAddr("209.85.220.41")})
	opts := testOptions(&clock{t: time.Unix(0, 0)})
	opts.Now = time.Now
	opts.ForwardConfirm = true
	l := newTest(t, opts, SystemResolver([]string{server}))
	got := l.Resolve(context.Background(), addrs("209.85.220.41", "192.0.2.1"))
	if n := got[netip.MustParseAddr("209.85.220.41")]; n.Domain != "mail-sor-f41.google.com" || n.Base != "google.com" || len(got) != 1 {
		t.Errorf("got %v", got)
	}
	if v := testutil.ToFloat64(l.metrics.Lookups.WithLabelValues("not_found")); v != 1 {
		t.Errorf("not_found = %v", v)
	}
	_ = SystemResolver(nil) // the resolv.conf variant builds without servers
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if _, err := SystemResolver([]string{server}).LookupAddr(ctx, "209.85.220.41"); err != nil {
		t.Error(err)
	}
}
