package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// savedPage is a saved web page that declares its address.
func savedPage(canonical, text string) string {
	var b strings.Builder
	b.WriteString(`<!doctype html><html><head><title>Ferry Service Resumes</title><meta property="og:site_name" content="Island Post">`)
	b.WriteString(`<link rel="canonical" href="` + canonical + `"></head><body><article><h1>Ferry Service Resumes</h1>`)
	for _, day := range []string{"Monday", "Tuesday", "Wednesday", "Thursday"} {
		b.WriteString("<p>" + text + " On " + day + " the operator said the crossings, the refunds and the second boat due in spring would follow as planned.</p>")
	}
	b.WriteString("</article></body></html>")
	return b.String()
}

// ingest records where each article was read from, and a file that claims a stored article's
// address replaces it only with --reload.
func TestIngestProvenanceAndReload(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	dir := t.TempDir()
	first := filepath.Join(dir, "ferry.html")
	os.WriteFile(first, []byte(savedPage("https://islandpost.example/ferry", "The first text.")), 0o644)
	c.mustRun("ingest", first)

	other := filepath.Join(dir, "copy.html")
	os.WriteFile(other, []byte(savedPage("https://islandpost.example/ferry", "Another text.")), 0o644)
	_, _, err := c.run("ingest", other)
	if got := sentence(err); !strings.Contains(got, "“Ferry Service Resumes”") || !strings.Contains(got, "newsbot ingest --reload") {
		t.Errorf("claiming file: %q", got)
	}
	out := c.mustRun("ingest", "--reload", other)
	if !strings.HasPrefix(out, "updated") {
		t.Errorf("--reload: %q", out)
	}

	var list struct {
		Articles []map[string]any `json:"articles"`
	}
	if err := json.Unmarshal([]byte(c.mustRun("articles", "--json")), &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Articles) != 1 || list.Articles[0]["fetched_from"] != "file:copy.html" || list.Articles[0]["url"] != "https://islandpost.example/ferry" {
		t.Errorf("articles --json: %v", list.Articles)
	}
	files := c.libraryFiles()
	data, _ := os.ReadFile(files[0])
	if !strings.Contains(string(data), "\nfetched_from: file:copy.html\n") {
		t.Errorf("article file:\n%s", data)
	}
}

// Addresses on the command line: a scheme in capitals is still a web address, not a path;
// schemes the bot does not load get their own sentence; a password in an address is never
// printed; loopback written as 127.1 is refused as private.
func TestIngestAddresses(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, savedPage("http://"+r.Host+"/ferry", "A page."))
	}))
	defer srv.Close()
	c := newCLI(t)
	c.env["NEWSBOT_ALLOW_PRIVATE_URLS"] = "1"
	if out := c.mustRun("ingest", "HTTP://"+strings.TrimPrefix(srv.URL, "http://")+"/ferry"); !strings.HasPrefix(out, "added") {
		t.Errorf("HTTP:// in capitals: %q", out)
	}

	c = newCLI(t)
	port := srv.URL[strings.LastIndex(srv.URL, ":"):]
	for arg, want := range map[string]string{
		"ftp://example.com/a.txt":                       "ftp://example.com/a.txt: The bot loads only http and https links, not ftp ones.",
		"GOPHER://example.com/1":                        "GOPHER://example.com/1: The bot loads only http and https links, not gopher ones.",
		"file:///tmp/a.txt":                             "file:///tmp/a.txt: Newsbot reads files by their path: give it without file://.",
		"http://127.1" + port + "/":                     "http://127.1" + port + "/: That address points into a private or local network, which the bot may not load.",
		"http://0x7f000001" + port:                      "http://0x7f000001" + port + ": That address points into a private or local network, which the bot may not load.",
		"https://reader:hunter2@127.0.0.1" + port + "/": "https://reader:xxxxx@127.0.0.1" + port + "/: That address points into a private or local network, which the bot may not load.",
	} {
		out, errOut, err := c.run("ingest", arg)
		if got := sentence(err); got != want {
			t.Errorf("ingest %s: got %q, want %q", arg, got, want)
		}
		if strings.Contains(out+errOut+sentence(err), "hunter2") {
			t.Errorf("ingest %s printed the password", arg)
		}
	}
}
