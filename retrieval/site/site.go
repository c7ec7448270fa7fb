// Package site says which site a web address belongs to, so that what a page says about itself
// (its canonical address, its outlet's name) is believed only when it is about the site that
// served it.
//
// A site is a registrable domain: the public suffix ("com", "co.uk", "github.io") and one label
// more, from the Public Suffix List (golang.org/x/net/publicsuffix). www.bbc.co.uk and
// news.bbc.co.uk are one site; alice.github.io and bob.github.io are two.
package site

import (
	"net"
	"net/url"
	"strings"
	"unicode"

	"golang.org/x/net/publicsuffix"
	"golang.org/x/text/unicode/norm"
)

// domain returns the registrable domain of host (a host name, with or without a port), lower
// case; for an IP address, or a name with no public suffix such as "localhost", the host itself.
func domain(host string) string {
	host = strings.ToLower(strings.TrimSuffix(hostOnly(host), "."))
	if net.ParseIP(host) != nil {
		return host
	}
	if d, err := publicsuffix.EffectiveTLDPlusOne(host); err == nil {
		return d
	}
	return host
}

// Registered reports whether host has a registrable domain: it is a name under a public suffix,
// not an IP address or a local name such as "localhost" or "intranet".
func Registered(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(hostOnly(host), "."))
	if net.ParseIP(host) != nil {
		return false
	}
	_, err := publicsuffix.EffectiveTLDPlusOne(host)
	return err == nil
}

// Same reports whether two absolute web addresses belong to one site.
func Same(a, b string) bool {
	ha, hb := hostOf(a), hostOf(b)
	return ha != "" && hb != "" && domain(ha) == domain(hb)
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Hostname()
}

func hostOnly(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		return h
	}
	return strings.Trim(host, "[]")
}

// NameMatches reports whether an outlet's name plausibly names the site host belongs to: the
// site's own label ("reuters" of reuters.com, "bbc" of www.bbc.co.uk) appears in the name or
// the name in it ("The Guardian" and theguardian.com, "BBC News" and bbc.co.uk), or it is the
// name's initials, alone or before its last word ("Financial Times" and ft.com, "The New York
// Times" and nytimes.com). A page on one site that calls itself another outlet ("Reuters" on
// example.net) does not match. Neither do a few real names whose site is spelt otherwise
// ("Der Spiegel" and spiegel.de match; "Bloomberg News" and bnn.ca do not); those give way to
// the host name, a plainer label but a true one.
func NameMatches(name, host string) bool {
	label := siteLabel(host)
	if len(label) < 2 {
		return false
	}
	words := nameWords(name)
	if len(words) == 0 {
		return false
	}
	squashed := strings.Join(words, "")
	if len(squashed) >= 3 && (strings.Contains(label, squashed) || strings.Contains(squashed, label)) {
		return true
	}
	if words[0] == "the" && len(words) > 1 {
		words = words[1:]
	}
	var initials strings.Builder
	for _, w := range words {
		initials.WriteByte(w[0])
	}
	if len(words) > 1 && label == initials.String() {
		return true
	}
	last := words[len(words)-1]
	lead := initials.String()[:len(words)-1]
	return len(words) > 1 && label == lead+last
}

// siteLabel is the registrable domain without its public suffix: "bbc" for news.bbc.co.uk.
func siteLabel(host string) string {
	d := domain(host)
	suffix, _ := publicsuffix.PublicSuffix(d)
	label := strings.TrimSuffix(strings.TrimSuffix(d, suffix), ".")
	return squash(label)
}

// nameWords splits a name into lower-case ASCII words, accents folded: "Süddeutsche Zeitung"
// gives "sueddeutsche", "zeitung" (German umlauts as the web spells them), "Le Monde.fr" gives
// "le", "mondefr".
func nameWords(name string) []string {
	var words []string
	for _, f := range strings.FieldsFunc(name, func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune("-–—|:·,/&+()", r)
	}) {
		if w := squash(f); w != "" {
			words = append(words, w)
		}
	}
	return words
}

// squash lower-cases s and keeps its letters and digits, accents removed (umlauts spelt with an
// e, as in web addresses).
func squash(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(s)) {
		switch {
		case r == '\u0308': // combining diaeresis: ä ö ü become ae oe ue
			b.WriteByte('e')
		case r == 'ß':
			b.WriteString("ss")
		case r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(r)
		}
	}
	return b.String()
}
