package main

import (
	"net/netip"
	"slices"
	"testing"
)

func TestRangePrefixes(t *testing.T) {
	for _, tc := range []struct {
		start, end string
		want       []string
	}{
		{"1.0.0.0", "1.0.0.255", []string{"1.0.0.0/24"}},
		{"1.0.4.0", "1.0.7.255", []string{"1.0.4.0/22"}},
		{"10.0.0.1", "10.0.0.6", []string{"10.0.0.1/32", "10.0.0.2/31", "10.0.0.4/31", "10.0.0.6/32"}},
		{"0.0.0.0", "255.255.255.255", []string{"0.0.0.0/0"}},
		{"2001:200::", "2001:200:1b9:ffff:ffff:ffff:ffff:ffff", []string{"2001:200::/40", "2001:200:100::/41", "2001:200:180::/43", "2001:200:1a0::/44", "2001:200:1b0::/45", "2001:200:1b8::/47"}},
		{"9.9.9.9", "9.9.9.9", []string{"9.9.9.9/32"}},
		{"9.9.9.9", "9.9.9.8", nil},
		{"9.9.9.9", "::1", nil},
	} {
		var got []string
		for _, p := range rangePrefixes(netip.MustParseAddr(tc.start), netip.MustParseAddr(tc.end)) {
			got = append(got, p.String())
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s-%s: got %v, want %v", tc.start, tc.end, got, tc.want)
		}
	}
}

func TestBuildEpoch(t *testing.T) {
	got, err := buildEpoch("2.3.2026060120", "2.3.2026061719")
	if err != nil || got != 1781722800 {
		t.Errorf("buildEpoch = %d, %v; want 1781722800", got, err)
	}
	if _, err := buildEpoch("2.3.x"); err == nil {
		t.Error("bad version accepted")
	}
}
