package main

import "net/netip"

// rangePrefixes returns the smallest list of CIDR prefixes covering the
// inclusive range [start, end] (both of one family). It returns nil when the
// range is empty or mixes families.
func rangePrefixes(start, end netip.Addr) []netip.Prefix {
	if start.BitLen() != end.BitLen() || end.Less(start) {
		return nil
	}
	var out []netip.Prefix
	bits := start.BitLen()
	for {
		// Grow the prefix while it stays aligned on start and inside end.
		n := bits
		for n > 0 {
			p, _ := start.Prefix(n - 1)
			if p.Addr() != start || lastAddr(p).Compare(end) > 0 {
				break
			}
			n--
		}
		p := netip.PrefixFrom(start, n)
		out = append(out, p)
		last := lastAddr(p)
		if last.Compare(end) >= 0 {
			return out
		}
		start = last.Next()
	}
}

// lastAddr returns the highest address of p.
func lastAddr(p netip.Prefix) netip.Addr {
	a := p.Masked().Addr().AsSlice()
	for i := p.Bits(); i < len(a)*8; i++ {
		a[i/8] |= 0x80 >> (i % 8)
	}
	addr, _ := netip.AddrFromSlice(a)
	return addr
}
