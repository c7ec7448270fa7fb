package site

import "testing"

func TestDomainAndSame(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		same bool
	}{
		{"https://www.bbc.co.uk/news/a", "https://news.bbc.co.uk/b", true},
		{"https://www.reuters.com/a", "https://reuters.com.evil.example/a", false},
		{"https://alice.github.io/a", "https://bob.github.io/a", false},
		{"https://WWW.Example.COM:443/a", "http://example.com/b", true},
		{"http://127.0.0.1:8080/a", "http://127.0.0.1:9090/b", true},
		{"http://127.0.0.1/a", "http://127.0.0.2/a", false},
		{"https://example.com/a", "not a url", false},
		{"https://example.com/a", "", false},
	} {
		if got := Same(tt.a, tt.b); got != tt.same {
			t.Errorf("Same(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.same)
		}
	}
	if d := domain("News.BBC.co.uk."); d != "bbc.co.uk" {
		t.Errorf("Domain = %q", d)
	}
	for host, want := range map[string]bool{"news.example.com": true, "127.0.0.1": false, "[::1]:80": false, "localhost": false} {
		if got := Registered(host); got != want {
			t.Errorf("Registered(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestNameMatches(t *testing.T) {
	for _, tt := range []struct {
		name, host string
		want       bool
	}{
		{"Reuters", "www.reuters.com", true},
		{"The Guardian", "www.theguardian.com", true},
		{"BBC News", "www.bbc.co.uk", true},
		{"The New York Times", "www.nytimes.com", true},
		{"Los Angeles Times", "www.latimes.com", true},
		{"Financial Times", "www.ft.com", true},
		{"The Wall Street Journal", "www.wsj.com", true},
		{"Süddeutsche Zeitung", "www.sueddeutsche.de", true},
		{"Le Monde.fr", "www.lemonde.fr", true},
		{"The Daily Example – City", "news.dailyexample.com", true},
		{"Reuters", "www.example.net", false},
		{"Reuters", "reuters.example.net", false},
		{"BBC", "bbc.example", true}, // the site's own label: a site named bbc.example may say so
		{"", "www.reuters.com", false},
		{"The Moscow Times", "127.0.0.1", false},
	} {
		if got := NameMatches(tt.name, tt.host); got != tt.want {
			t.Errorf("NameMatches(%q, %q) = %v, want %v", tt.name, tt.host, got, tt.want)
		}
	}
}
