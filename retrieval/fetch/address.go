package fetch

import (
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// SchemeError is a link whose scheme the bot does not load, such as ftp:// or file://. It
// matches ErrInvalidURL with errors.Is; its message names the scheme.
type SchemeError struct{ Scheme string }

func (e *SchemeError) Error() string {
	if e.Scheme == "file" {
		return "that is a file:// address, which names a file on someone's own computer that the bot cannot reach; send the file itself"
	}
	return fmt.Sprintf("the bot loads only http and https links, not %s ones", e.Scheme)
}

// UserMessage returns the sentence for a person.
func (e *SchemeError) UserMessage() string { return e.Error() }

// Is makes errors.Is(err, ErrInvalidURL) true.
func (e *SchemeError) Is(target error) bool { return target == ErrInvalidURL }

// Scheme returns the scheme of raw, lower case, when raw starts with one followed by "://"
// ("HTTP://x" gives "http"), and "" otherwise: a file path, or a word.
func Scheme(raw string) string {
	raw = strings.TrimSpace(raw)
	i := strings.Index(raw, "://")
	if i <= 0 {
		return ""
	}
	s := raw[:i]
	for j, c := range s {
		letter := 'a' <= c|0x20 && c|0x20 <= 'z'
		if !letter && (j == 0 || !strings.ContainsRune("0123456789+-.", c)) {
			return ""
		}
	}
	return strings.ToLower(s)
}

// Redact hides the password of an address written with one ("https://user:secret@host/" gives
// "https://user:xxxxx@host/") so that it can be printed or logged. Anything that does not parse
// as an address has everything between "://" and "@" hidden.
func Redact(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		if _, hasPassword := u.User.Password(); !hasPassword {
			return raw // as written
		}
		return u.Redacted()
	}
	if i := strings.Index(raw, "://"); i >= 0 {
		if j := strings.LastIndex(raw[i+3:], "@"); j >= 0 {
			return raw[:i+3] + "xxxxx" + raw[i+3+j:]
		}
	}
	return raw
}

// withoutUserinfo returns u without a user name or password, for storing and citing.
func withoutUserinfo(u *url.URL) *url.URL {
	c := *u
	c.User = nil
	return &c
}

// normalizeHost writes a host such as 127.1 or 0x7f000001, an IPv4 address to browsers and curl,
// as the address it is, so that it is fetched, or refused as private, like any other.
func normalizeHost(u *url.URL) {
	if ip, ok := legacyIPv4(u.Hostname()); ok {
		port := u.Port()
		u.Host = ip.String()
		if port != "" {
			u.Host += ":" + port
		}
	}
}

// legacyIPv4 reads a host written as the C library's inet_aton reads it, as browsers, curl and
// getaddrinfo do: "127.1", "0x7f000001", "2130706433", "0177.0.0.1". Go's resolver takes these
// for names and fails to look them up, so without this they would neither load nor be refused
// as the private addresses they are. It reports false for anything else, dotted quads included.
func legacyIPv4(host string) (netip.Addr, bool) {
	if host == "" || strings.Trim(host, "0123456789abcdefABCDEFxX.") != "" {
		return netip.Addr{}, false
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return netip.Addr{}, false // already a plain address
	}
	parts := strings.Split(host, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	nums := make([]uint64, len(parts))
	for i, p := range parts {
		n, err := strconv.ParseUint(p, 0, 32) // 0x… hexadecimal, 0… octal, else decimal
		if err != nil {
			return netip.Addr{}, false
		}
		nums[i] = n
	}
	// The last part fills the bytes the others leave: a.b.c.d, a.b.cd, a.bcd, abcd.
	last := nums[len(nums)-1]
	if last >= 1<<(8*(5-len(nums))) {
		return netip.Addr{}, false
	}
	v := last
	for i, n := range nums[:len(nums)-1] {
		if n > 255 {
			return netip.Addr{}, false
		}
		v |= n << (8 * (3 - i))
	}
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true
}
