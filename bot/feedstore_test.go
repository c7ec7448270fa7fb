package bot

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/newsbot/newsbot/retrieval/fetch"
)

func openTestStore(tb testing.TB) (*FeedFile, string) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "state", "feeds.json")
	s, err := OpenFeedFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return s, path
}

func TestFeedStorePersists(t *testing.T) {
	ctx := t.Context()
	s, path := openTestStore(t)
	a, err := s.Add(ctx, Subscription{URL: "https://news.example.com/rss", Scope: "g1", Channel: "c1", AddedBy: "u1"})
	if err != nil {
		t.Fatalf("Add: %v", err)
	}
	if a.ID == "" || a.AddedAt.IsZero() {
		t.Errorf("Add did not fill ID and AddedAt: %+v", a)
	}
	b, err := s.Add(ctx, Subscription{URL: "https://science.example.org/atom.xml", Scope: "g2", Channel: "c9"})
	if err != nil {
		t.Fatalf("Add: %v", err)
	}
	a, err = s.Update(ctx, a.ID, func(sub *Subscription) {
		sub.ETag, sub.Seen, sub.LastError = `"v2"`, []string{"item-1", "item-2"}, "the site answered 500 Internal Server Error"
		sub.Scope = "hijack" // ignored: identity is not Update's to change
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}

	reopened, err := OpenFeedFile(path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	if diff := cmp.Diff([]Subscription{a, b}, reopened.all()); diff != "" {
		t.Errorf("after reopen (-want +got):\n%s", diff)
	}
	if got, _ := reopened.List(ctx, "g1"); len(got) != 1 || got[0].Scope != "g1" || got[0].ETag != `"v2"` {
		t.Errorf("List(g1) = %+v", got)
	}
	if err := reopened.Remove(ctx, "g1", a.ID); err != nil {
		t.Fatalf("Remove: %v", err)
	}
	again, err := OpenFeedFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]Subscription{b}, again.all()); diff != "" {
		t.Errorf("after remove and reopen (-want +got):\n%s", diff)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("state dir holds %d files, want only feeds.json (no temp files left)", len(entries))
	}
}

func TestFeedStoreDuplicates(t *testing.T) {
	ctx := t.Context()
	s, _ := openTestStore(t)
	if _, err := s.Add(ctx, Subscription{URL: "https://news.example.com/rss/", Scope: "g1"}); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"https://news.example.com/rss", "HTTPS://NEWS.EXAMPLE.COM/rss#top", "http://news.example.com:80/rss"} {
		if _, err := s.Add(ctx, Subscription{URL: u, Scope: "g1"}); !errors.Is(err, ErrDuplicateSubscription) {
			t.Errorf("Add(%s) in the same guild: got %v, want ErrDuplicateSubscription", u, err)
		}
	}
	if _, err := s.Add(ctx, Subscription{URL: "https://news.example.com/rss", Scope: "g2"}); err != nil {
		t.Errorf("the same feed in another guild: %v", err)
	}
	if _, err := s.Add(ctx, Subscription{URL: "ftp://news.example.com/rss", Scope: "g3"}); !errors.Is(err, fetch.ErrInvalidURL) {
		t.Errorf("ftp feed: got %v, want fetch.ErrInvalidURL", err)
	}
}

func TestFeedStoreNotFound(t *testing.T) {
	ctx := t.Context()
	s, _ := openTestStore(t)
	sub, err := s.Add(ctx, Subscription{URL: "https://news.example.com/rss", Scope: "g1"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Remove(ctx, "other-guild", sub.ID); !errors.Is(err, ErrSubscriptionNotFound) {
		t.Errorf("Remove from another guild: got %v, want ErrSubscriptionNotFound", err)
	}
	if _, err := s.Update(ctx, "nope", func(*Subscription) {}); !errors.Is(err, ErrSubscriptionNotFound) {
		t.Errorf("Update unknown: got %v, want ErrSubscriptionNotFound", err)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Add(canceled, Subscription{URL: "https://x.example/rss", Scope: "g1"}); !errors.Is(err, context.Canceled) {
		t.Errorf("Add with a canceled context: got %v", err)
	}
}

func TestOpenFeedStoreCorrupt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "feeds.json")
	if err := os.WriteFile(path, []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenFeedFile(path); err == nil {
		t.Error("OpenFeedStore accepted a corrupt file")
	}
}

func TestAddSeenCap(t *testing.T) {
	var seen []string
	current := map[string]bool{"keep-0": true}
	seen = addSeen(seen, current, "keep-0")
	for i := 0; i < maxSeen+50; i++ {
		seen = addSeen(seen, current, "old-"+string(rune('a'+i%26))+string(rune('a'+i/26%26))+string(rune('a'+i/676)))
	}
	if len(seen) != maxSeen {
		t.Errorf("got %d keys, want the cap %d", len(seen), maxSeen)
	}
	if seen[0] != "keep-0" {
		t.Errorf("a key still in the feed was trimmed: first key is %q", seen[0])
	}
}
