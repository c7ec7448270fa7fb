package fetch

import (
	"errors"
	"net/netip"
	"testing"
)

func TestIsBlockedIP(t *testing.T) {
	tests := []struct {
		ip      string
		blocked bool
	}{
		// IPv4 that must be refused.
		{"127.0.0.1", true},
		{"127.5.6.7", true},
		{"0.0.0.0", true},
		{"10.0.0.1", true},
		{"10.255.255.255", true},
		{"172.16.0.1", true},
		{"172.31.255.254", true},
		{"192.168.1.1", true},
		{"169.254.169.254", true}, // cloud metadata
		{"169.254.1.1", true},
		{"100.64.0.1", true}, // carrier-grade NAT
		{"100.127.255.255", true},
		{"224.0.0.1", true},
		{"239.255.255.250", true},
		{"255.255.255.255", true},
		{"240.0.0.1", true},
		{"192.0.0.8", true},
		{"198.18.0.1", true},
		// IPv4 that is public.
		{"8.8.8.8", false},
		{"1.1.1.1", false},
		{"93.184.216.34", false},
		{"172.15.255.255", false},
		{"172.32.0.0", false},
		{"100.63.255.255", false},
		{"100.128.0.0", false},
		{"169.253.255.255", false},
		{"11.0.0.1", false},
		// IPv6 that must be refused.
		{"::1", true},
		{"::", true},
		{"fc00::1", true},
		{"fd12:3456:789a::1", true},
		{"fd00:ec2::254", true}, // cloud metadata
		{"fe80::1", true},
		{"fe80::1%eth0", true},
		{"ff02::1", true},
		{"2001:db8::1", true},
		{"fec0::1", true},
		{"100::1", true},
		// IPv4-mapped and IPv4-embedding IPv6 forms of refused addresses.
		{"::ffff:127.0.0.1", true},
		{"::ffff:10.0.0.1", true},
		{"::ffff:169.254.169.254", true},
		{"::ffff:192.168.0.1", true},
		{"::ffff:100.64.0.1", true},
		{"::127.0.0.1", true},         // IPv4-compatible
		{"64:ff9b::7f00:1", true},     // NAT64 of 127.0.0.1
		{"64:ff9b::a9fe:a9fe", true},  // NAT64 of 169.254.169.254
		{"2002:7f00:1::1", true},      // 6to4 of 127.0.0.1
		{"2002:c0a8:101::1", true},    // 6to4 of 192.168.1.1
		{"2001:0:4136:e378::1", true}, // Teredo
		// IPv6 that is public, including mapped and embedded forms of public IPv4.
		{"2606:4700:4700::1111", false},
		{"2a00:1450:4001:80b::200e", false},
		{"::ffff:8.8.8.8", false},
		{"64:ff9b::808:808", false}, // NAT64 of 8.8.8.8
		{"2002:808:808::1", false},  // 6to4 of 8.8.8.8
	}
	for _, tt := range tests {
		t.Run(tt.ip, func(t *testing.T) {
			if got := isBlockedIP(netip.MustParseAddr(tt.ip)); got != tt.blocked {
				t.Errorf("isBlockedIP(%s) = %v, want %v", tt.ip, got, tt.blocked)
			}
		})
	}
	if !isBlockedIP(netip.Addr{}) {
		t.Error("the invalid zero Addr is not blocked")
	}
}

func TestDialControl(t *testing.T) {
	control := dialControl(isBlockedIP)
	tests := []struct {
		address string
		wantErr error
	}{
		{"127.0.0.1:80", ErrBlockedAddress},
		{"[::1]:443", ErrBlockedAddress},
		{"[::ffff:10.1.2.3]:8080", ErrBlockedAddress},
		{"[fe80::1%lo]:80", ErrBlockedAddress},
		{"not-an-address", ErrBlockedAddress},
		{"8.8.8.8:443", nil},
		{"[2606:4700:4700::1111]:443", nil},
	}
	for _, tt := range tests {
		if err := control("tcp", tt.address, nil); !errors.Is(err, tt.wantErr) {
			t.Errorf("control(%q) = %v, want %v", tt.address, err, tt.wantErr)
		}
	}
}
