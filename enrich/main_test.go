package enrich

import (
	"context"
	"errors"
	"flag"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/goleak"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// resolver is an injected DNS: answers from ptr, NXDOMAIN otherwise; with
// down set every lookup fails at once as on a machine without network; with
// hang set lookups never answer.
type resolver struct {
	mu   sync.Mutex
	ptr  map[string]string
	down bool
	hang bool
}

func (r *resolver) LookupAddr(ctx context.Context, addr string) ([]string, error) {
	r.mu.Lock()
	down, hang, name := r.down, r.hang, r.ptr[addr]
	r.mu.Unlock()
	switch {
	case hang:
		<-ctx.Done()
		return nil, &net.DNSError{Err: "i/o timeout", Name: addr, IsTimeout: true}
	case down:
		return nil, &net.DNSError{Err: "connect: network is unreachable", Name: addr}
	case name == "":
		return nil, &net.DNSError{Err: "no such host", Name: addr, IsNotFound: true}
	}
	return []string{name}, nil
}

func (r *resolver) LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error) {
	return nil, errors.New("not used")
}

func newTestService(t testing.TB, cfg Config, r *resolver) *Service {
	t.Helper()
	s, err := NewWithResolver(context.Background(), cfg, discard(), prometheus.NewRegistry(), r)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// cityDB writes a GeoLite2-City fixture with one network.
func cityDB(t *testing.T, cidr string) string {
	t.Helper()
	tree, err := mmdbwriter.New(mmdbwriter.Options{DatabaseType: "GeoLite2-City", RecordSize: 24, IncludeReservedNetworks: true})
	if err != nil {
		t.Fatal(err)
	}
	_, n, _ := net.ParseCIDR(cidr)
	name := func(s string) mmdbtype.Map { return mmdbtype.Map{"en": mmdbtype.String(s)} }
	err = tree.Insert(n, mmdbtype.Map{
		"country":      mmdbtype.Map{"iso_code": mmdbtype.String("DE"), "names": name("Germany")},
		"city":         mmdbtype.Map{"names": name("Berlin")},
		"subdivisions": mmdbtype.Slice{mmdbtype.Map{"names": name("Land Berlin")}},
		"location":     mmdbtype.Map{"latitude": mmdbtype.Float64(52.5), "longitude": mmdbtype.Float64(13.4)},
	})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "city.mmdb")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tree.WriteTo(f); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return path
}
