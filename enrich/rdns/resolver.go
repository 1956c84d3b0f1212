package rdns

import (
	"context"
	"net"
	"net/netip"
	"sync/atomic"
)

// Resolver is the part of *net.Resolver that reverse DNS needs; tests inject
// their own answers through it.
type Resolver interface {
	LookupAddr(ctx context.Context, addr string) ([]string, error)
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// SystemResolver returns a pure-Go resolver that asks the servers of
// /etc/resolv.conf or, when servers are given ("host:port" or "host", port
// 53), those in turn. Its connections close as soon as a lookup's context
// ends, so cancelled lookups stop waiting for a silent server at once.
func SystemResolver(servers []string) Resolver {
	addrs := make([]string, len(servers))
	for i, s := range servers {
		addrs[i] = ServerAddr(s)
	}
	var next atomic.Uint32
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, server string) (net.Conn, error) {
			if len(addrs) > 0 {
				server = addrs[int(next.Add(1)-1)%len(addrs)]
			}
			var d net.Dialer
			conn, err := d.DialContext(ctx, network, server)
			if err != nil {
				return nil, err
			}
			stop := context.AfterFunc(ctx, func() { conn.Close() })
			if udp, ok := conn.(*net.UDPConn); ok {
				// The resolver frames messages by whether the connection
				// is a PacketConn: keep that visible.
				return &ctxUDPConn{UDPConn: udp, stop: stop}, nil
			}
			return &ctxConn{Conn: conn, stop: stop}, nil
		},
	}
}

// ctxConn is a connection closed when its dial context ends.
type ctxConn struct {
	net.Conn
	stop func() bool
}

func (c *ctxConn) Close() error {
	c.stop()
	return c.Conn.Close()
}

// ctxUDPConn is ctxConn for UDP, still a net.PacketConn.
type ctxUDPConn struct {
	*net.UDPConn
	stop func() bool
}

func (c *ctxUDPConn) Close() error {
	c.stop()
	return c.UDPConn.Close()
}

// ServerAddr adds the default port 53 to a server given without one.
func ServerAddr(s string) string {
	if _, _, err := net.SplitHostPort(s); err == nil {
		return s
	}
	return net.JoinHostPort(s, "53")
}
