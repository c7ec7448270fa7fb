package fetch

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestLegacyIPv4(t *testing.T) {
	for host, want := range map[string]string{
		"127.1":        "127.0.0.1",
		"0x7f000001":   "127.0.0.1",
		"0x7F.1":       "127.0.0.1",
		"2130706433":   "127.0.0.1",
		"0177.0.0.1":   "127.0.0.1",
		"10.1":         "10.0.0.1",
		"192.168.257":  "192.168.1.1",
		"0x08080808":   "8.8.8.8",
		"127.0.0.1":    "", // already plain
		"1.2.3.4.5":    "",
		"256.1":        "",
		"4294967296":   "",
		"example.com":  "",
		"deadbeef.com": "",
		"0x":           "",
		"":             "",
	} {
		ip, ok := legacyIPv4(host)
		got := ""
		if ok {
			got = ip.String()
		}
		if got != want {
			t.Errorf("legacyIPv4(%q) = %q, want %q", host, got, want)
		}
	}
}

// Loopback written the way curl and browsers accept is refused as the private address it is,
// with the sentence for that, not a lookup failure; allowed, it loads.
func TestLegacyIPv4AddressesAreGuarded(t *testing.T) {
	srv := newServer(t, serve("text/html; charset=utf-8", articlePage("Legacy", longParagraphs("Legacy", 3)...)))
	port := srv.URL[strings.LastIndex(srv.URL, ":"):]
	c := NewClient(Options{Timeout: 5 * time.Second}) // the guard is on
	for _, host := range []string{"127.1", "0x7f000001", "2130706433", "0177.0.0.1"} {
		_, err := c.Fetch(t.Context(), "http://"+host+port+"/a")
		if !errors.Is(err, ErrBlockedAddress) {
			t.Errorf("%s: got %v, want ErrBlockedAddress", host, err)
		}
	}
	res, err := newTestClient(t, Options{}).Fetch(t.Context(), "http://127.1"+port+"/a")
	if err != nil || res.Document.FetchedFrom != "http://127.0.0.1"+port+"/a" {
		t.Errorf("allowed: %v, fetched from %q", err, res.Document.FetchedFrom)
	}
}

// Schemes are read without regard to case, and a scheme the bot does not load is named.
func TestSchemes(t *testing.T) {
	srv := newServer(t, serve("text/html; charset=utf-8", articlePage("Upper", longParagraphs("Upper", 3)...)))
	c := newTestClient(t, Options{})
	if _, err := c.Fetch(t.Context(), "HTTP://"+strings.TrimPrefix(srv.URL, "http://")+"/a"); err != nil {
		t.Errorf("HTTP:// in capitals: %v", err)
	}
	for raw, want := range map[string]string{
		"ftp://example.com/a":     "the bot loads only http and https links, not ftp ones",
		"gopher://example.com/1":  "the bot loads only http and https links, not gopher ones",
		"FTP://example.com/a":     "the bot loads only http and https links, not ftp ones",
		"file:///etc/passwd":      "that is a file:// address, which names a file on someone's own computer that the bot cannot reach; send the file itself",
		"javascript:alert(1)":     "the bot loads only http and https links, not javascript ones",
		"https:///no-host":        ErrInvalidURL.Error(),
		"example.com/no-scheme/a": ErrInvalidURL.Error(),
	} {
		_, err := c.Fetch(t.Context(), raw)
		var um interface{ UserMessage() string }
		if !errors.Is(err, ErrInvalidURL) || !errors.As(err, &um) || um.UserMessage() != want {
			t.Errorf("%s: got %v, want %q", raw, err, want)
		}
	}
	for raw, want := range map[string]string{"HTTP://x": "http", "ftp://x": "ftp", "svn+ssh://x": "svn+ssh", "/tmp/x.txt": "", "C:\\x": "", "x://": "x", "1a://x": ""} {
		if got := Scheme(raw); got != want {
			t.Errorf("Scheme(%q) = %q, want %q", raw, got, want)
		}
	}
}

// A password in a link is never stored, cited or printed.
func TestPasswordsStayOutOfArticles(t *testing.T) {
	var auth string
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth = r.Header.Get("Authorization")
		serve("text/html; charset=utf-8", articlePage("Private", longParagraphs("Private", 3)...))(w, r)
	}))
	withPassword := strings.Replace(srv.URL, "http://", "http://reader:hunter2@", 1) + "/a"
	res, err := newTestClient(t, Options{}).Fetch(t.Context(), withPassword)
	if err != nil {
		t.Fatal(err)
	}
	if auth == "" {
		t.Error("the password was not sent to the site")
	}
	for _, s := range []string{res.URL, res.Document.URL, res.Document.FetchedFrom} {
		if strings.Contains(s, "hunter2") || strings.Contains(s, "reader@") {
			t.Errorf("stored address %q keeps the credentials", s)
		}
	}
	if got := Redact(withPassword); strings.Contains(got, "hunter2") || !strings.Contains(got, "reader:xxxxx@") {
		t.Errorf("Redact = %q", got)
	}
	if got := Redact("https://u:p@exa mple.com/%zz"); strings.Contains(got, "u:p") {
		t.Errorf("Redact of a broken address = %q", got)
	}
}
