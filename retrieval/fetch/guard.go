package fetch

import (
	"fmt"
	"net/netip"
	"syscall"
)

// blockedPrefixes are the address ranges a public fetcher must never reach: the machine itself,
// private and carrier networks, link-local (where cloud metadata services live), multicast and
// reserved space. IPv4-mapped IPv6 addresses are unmapped before the check, and the IPv4 address
// embedded in NAT64 and 6to4 addresses is checked too.
var blockedPrefixes = mustPrefixes(
	// IPv4
	"0.0.0.0/8",          // "this network", includes the unspecified 0.0.0.0
	"10.0.0.0/8",         // RFC 1918
	"100.64.0.0/10",      // carrier-grade NAT
	"127.0.0.0/8",        // loopback
	"169.254.0.0/16",     // link-local, includes the 169.254.169.254 metadata service
	"172.16.0.0/12",      // RFC 1918
	"192.0.0.0/24",       // IETF protocol assignments
	"192.0.2.0/24",       // documentation
	"192.88.99.0/24",     // 6to4 relay anycast
	"192.168.0.0/16",     // RFC 1918
	"198.18.0.0/15",      // benchmarking
	"198.51.100.0/24",    // documentation
	"203.0.113.0/24",     // documentation
	"224.0.0.0/4",        // multicast
	"240.0.0.0/4",        // reserved, includes the broadcast 255.255.255.255
	"::/128",             // unspecified
	"::1/128",            // loopback
	"100::/64",           // discard
	"2001:db8::/32",      // documentation
	"fc00::/7",           // unique local, includes the fd00:ec2::254 metadata service
	"fe80::/10",          // link-local
	"fec0::/10",          // deprecated site-local
	"ff00::/8",           // multicast
	"fd00:ec2::254/128",  // AWS metadata over IPv6 (inside fc00::/7, listed for the record)
	"::ffff:0:0/96",      // IPv4-mapped; unmapped before the check, so only reached if that fails
	"64:ff9b:1::/48",     // local-use NAT64
	"2001::/32",          // Teredo: embeds an obfuscated IPv4 address we do not decode
	"2001:10::/28",       // ORCHID
	"2001:20::/28",       // ORCHIDv2
	"3fff::/20",          // documentation (RFC 9637)
	"5f00::/16",          // SRv6 SIDs
	"::/96",              // IPv4-compatible (deprecated)
	"169.254.169.254/32", // cloud metadata (inside 169.254/16, listed for the record)
)

var (
	nat64Prefix = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour   = netip.MustParsePrefix("2002::/16")
)

func mustPrefixes(ss ...string) []netip.Prefix {
	ps := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		ps[i] = netip.MustParsePrefix(s)
	}
	return ps
}

// isBlockedIP reports whether connecting to ip could reach the local machine or a private network.
func isBlockedIP(ip netip.Addr) bool {
	if !ip.IsValid() {
		return true
	}
	ip = ip.WithZone("").Unmap()
	if ip.Is6() {
		// Addresses that carry an IPv4 address inside them are judged by that address.
		if nat64Prefix.Contains(ip) {
			b := ip.As16()
			return isBlockedIP(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}))
		}
		if sixToFour.Contains(ip) {
			b := ip.As16()
			return isBlockedIP(netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}))
		}
	}
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsUnspecified() || ip.IsMulticast() ||
		ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip.IsInterfaceLocalMulticast() {
		return true
	}
	for _, p := range blockedPrefixes {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// dialControl returns a net.Dialer Control function that refuses blocked addresses. It runs after
// name resolution, for every connection the transport opens, so it also covers redirects and a
// host name whose DNS answer changes between a check and the connection (DNS rebinding).
func dialControl(blocked func(netip.Addr) bool) func(network, address string, _ syscall.RawConn) error {
	return func(network, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("unparsable %s address %q: %w", network, address, ErrBlockedAddress)
		}
		if blocked(ap.Addr()) {
			return fmt.Errorf("address %s: %w", ap.Addr(), ErrBlockedAddress)
		}
		return nil
	}
}
