package fetch

import (
	"cmp"
	"net/netip"
	"net/url"

	"github.com/newsbot/newsbot/retrieval/site"
)

// A page says what it is: its canonical address (<link rel="canonical">, og:url) and its outlet's
// name (og:site_name and the like). Both are believed only when they are about the site that
// served the page, so a page cannot be stored and cited as another outlet's article:
//
//   - the canonical address must be on the fetched page's registrable domain, after redirects;
//     otherwise the address fetched stands, and the outlet is named after its host;
//   - the outlet's name must name that site (site.NameMatches: "Reuters" on reuters.com, not on
//     example.net), or the host names the outlet instead.
//
// Intranet pages, which the bot reads only when Options.AllowPrivate lets it, have no registrable
// domain to check a name against; their names are taken as they come. A saved page read from a
// file was fetched from nowhere: its canonical address is kept, as the person who gave the file
// vouches for it, and its outlet's name must match that address.

// pageIdentity returns the address and outlet a page is stored under, from what it declares
// (canonical and name, either may be empty) and the address it was fetched from (nil for a file).
func pageIdentity(canonical, name string, page *url.URL) (address, outlet string) {
	if page == nil {
		if canonical == "" {
			return "", name
		}
		u, err := url.Parse(canonical)
		if err != nil {
			return "", name
		}
		if name == "" || !nameFits(name, u.Hostname()) {
			name = siteFromURL(u)
		}
		return canonical, name
	}
	fetched := page.String()
	if canonical != "" && !site.Same(canonical, fetched) {
		return fetched, siteFromURL(page)
	}
	if name == "" || !nameFits(name, page.Hostname()) {
		name = siteFromURL(page)
	}
	return cmp.Or(canonical, fetched), name
}

// nameFits reports whether an outlet's name may stand for host: it names the host's site, or
// the host is an intranet one (a private or loopback address, or a name with no public suffix).
func nameFits(name, host string) bool {
	if site.NameMatches(name, host) {
		return true
	}
	if site.Registered(host) {
		return false
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		return isBlockedIP(ip) // a public IP address names no outlet
	}
	return true
}
