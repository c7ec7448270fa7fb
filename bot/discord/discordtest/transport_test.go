package discordtest_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/newsbot/newsbot/bot/discord/discordtest"
)

func TestRewriteTransport(t *testing.T) {
	t.Parallel()
	var gotPath, gotHost string
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotPath, gotHost = r.URL.RequestURI(), r.Host
	}))
	t.Cleanup(ts.Close)
	base, err := url.Parse(ts.URL + "/discord/")
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Transport: discordtest.RewriteTransport(base, nil)}
	resp, err := c.Get("https://discord.com/api/v9/channels/1/messages?limit=2")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if want := "/discord/api/v9/channels/1/messages?limit=2"; gotPath != want {
		t.Errorf("path = %q, want %q", gotPath, want)
	}
	if gotHost != base.Host {
		t.Errorf("host = %q, want %q", gotHost, base.Host)
	}
}

func TestClientRefusesOtherHosts(t *testing.T) {
	t.Parallel()
	srv := discordtest.New(t)
	resp, err := srv.Client().Get("https://cdn.discordapp.com/attachments/1/2/a.png")
	if err == nil {
		resp.Body.Close()
		t.Fatal("request to the real CDN succeeded, want an error")
	}
	resp, err = srv.Client().Get("https://discord.com/api/v10/gateway")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /api/v10/gateway = %d, want 200", resp.StatusCode)
	}
}
