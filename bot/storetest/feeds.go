package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/newsbot/newsbot/bot"
)

// Feeds checks a FeedStore: subscriptions per scope, their poller state
// kept across a reopen, and feeds claimed by one holder at a time, once
// per interval. open returns a store over the same storage each time it
// is called.
func Feeds(t *testing.T, open func() bot.FeedStore) {
	ctx := context.Background()
	const g1, g2 = "1000000000000000001", "1000000000000000002"

	t.Run("subscriptions by scope, kept across a reopen", func(t *testing.T) {
		st := open()
		a, err := st.Add(ctx, bot.Subscription{URL: "https://news.example.com/rss", Scope: g1, Channel: "2001", Title: "News", AddedBy: "3001"})
		if err != nil || a.ID == "" || a.AddedAt.IsZero() {
			t.Fatalf("add: %+v, %v", a, err)
		}
		for _, u := range []string{"https://news.example.com/rss", "http://NEWS.example.com/rss/", "https://news.example.com:443/rss#top"} {
			if _, err := st.Add(ctx, bot.Subscription{URL: u, Scope: g1}); !errors.Is(err, bot.ErrDuplicateSubscription) {
				t.Errorf("add %s again in one scope: %v, want ErrDuplicateSubscription", u, err)
			}
		}
		b, err := st.Add(ctx, bot.Subscription{URL: "https://news.example.com/rss", Scope: g2, Channel: "2002"})
		if err != nil {
			t.Fatalf("the same feed in another scope: %v", err)
		}
		c, err := st.Add(ctx, bot.Subscription{URL: "https://science.example.org/atom.xml", Scope: g1, Channel: "2003"})
		if err != nil {
			t.Fatal(err)
		}
		checked := time.Date(2024, 3, 7, 8, 0, 0, 0, time.UTC)
		if _, err := st.Update(ctx, a.ID, func(s *bot.Subscription) {
			s.ETag, s.LastModified, s.Seen, s.LastError, s.LastChecked = `"v2"`, "Thu, 07 Mar 2024 08:00:00 GMT", []string{"i1", "i2"}, "500", checked
			s.ID, s.Scope = "changed", g2 // not fn's to change
		}); err != nil {
			t.Fatal(err)
		}
		re := open()
		l1, err := re.List(ctx, g1)
		if err != nil || len(l1) != 2 || l1[0].ID != a.ID || l1[1].ID != c.ID {
			t.Fatalf("list of %s: %+v, %v; want %s then %s", g1, l1, err, a.ID, c.ID)
		}
		got := l1[0]
		if got.URL != "https://news.example.com/rss" || got.Channel != "2001" || got.Title != "News" || got.AddedBy != "3001" ||
			!got.AddedAt.Equal(a.AddedAt) || got.ETag != `"v2"` || got.LastModified != "Thu, 07 Mar 2024 08:00:00 GMT" ||
			!slices.Equal(got.Seen, []string{"i1", "i2"}) || got.LastError != "500" || !got.LastChecked.Equal(checked) {
			t.Errorf("after reopening: %+v", got)
		}
		if l2, err := re.List(ctx, g2); err != nil || len(l2) != 1 || l2[0].ID != b.ID || l2[0].ETag != "" {
			t.Errorf("list of %s: %+v, %v", g2, l2, err)
		}
		if all, err := re.All(ctx); err != nil || len(all) != 3 || all[0].ID != a.ID || all[1].ID != b.ID || all[2].ID != c.ID || all[0].ETag != `"v2"` {
			t.Errorf("all subscriptions: %+v, %v; want %s, %s, %s", all, err, a.ID, b.ID, c.ID)
		}
		if err := re.Remove(ctx, g2, a.ID); !errors.Is(err, bot.ErrSubscriptionNotFound) {
			t.Errorf("remove another scope's subscription: %v, want ErrSubscriptionNotFound", err)
		}
		if _, err := re.Update(ctx, "nope", func(*bot.Subscription) {}); !errors.Is(err, bot.ErrSubscriptionNotFound) {
			t.Errorf("update an unknown subscription: %v, want ErrSubscriptionNotFound", err)
		}
		for _, s := range []bot.Subscription{a, b, c} {
			if err := re.Remove(ctx, s.Scope, s.ID); err != nil {
				t.Fatal(err)
			}
		}
		if l, _ := open().List(ctx, g1); len(l) != 0 {
			t.Errorf("after removing: %+v", l)
		}
	})

	t.Run("a feed is claimed by one holder, once per interval", func(t *testing.T) {
		st := open()
		now := time.Date(2024, 3, 7, 9, 0, 0, 0, time.UTC)
		a, _ := st.Add(ctx, bot.Subscription{URL: "https://city.example.com/feed", Scope: g1, Channel: "2001"})
		b, _ := st.Add(ctx, bot.Subscription{URL: "https://city.example.com/feed/", Scope: g2, Channel: "2002"})
		c, _ := st.Add(ctx, bot.Subscription{URL: "https://sport.example.com/feed", Scope: g1, Channel: "2001"})
		req := func(holder string, at time.Time) bot.FeedClaimRequest {
			return bot.FeedClaimRequest{Holder: holder, Now: at, DueBy: at, Next: at.Add(time.Hour), LeaseUntil: at.Add(10 * time.Minute)}
		}
		claims, err := st.Claim(ctx, req("p1", now))
		if err != nil || len(claims) != 2 {
			t.Fatalf("first claim: %+v, %v; want both feeds", claims, err)
		}
		byKey := map[string]bot.FeedClaim{}
		for _, cl := range claims {
			byKey[cl.Key] = cl
		}
		city := byKey[bot.FeedKey(a.URL)]
		if ids, want := subIDs(city.Subs), subIDs([]bot.Subscription{a, b}); !slices.Equal(ids, want) || city.URL == "" {
			t.Errorf("the shared feed: %+v; want the subscriptions %s and %s", city, a.ID, b.ID)
		}
		if ids := subIDs(byKey[bot.FeedKey(c.URL)].Subs); !slices.Equal(ids, []string{c.ID}) {
			t.Errorf("the other feed's subscriptions: %v", ids)
		}
		for _, r := range []bot.FeedClaimRequest{req("p2", now), req("p2", now.Add(30*time.Minute)), {Holder: "p2", Now: now, DueBy: now.AddDate(100, 0, 0), Next: now.Add(time.Hour), LeaseUntil: now.Add(time.Minute)}} {
			if claims, err := open().Claim(ctx, r); err != nil || len(claims) != 0 {
				t.Errorf("a claim while p1 polls (%+v): %+v, %v; want none", r, claims, err)
			}
		}
		for _, cl := range claims {
			if err := st.Release(ctx, cl.Key, "p1"); err != nil {
				t.Fatal(err)
			}
		}
		if claims, err := st.Claim(ctx, req("p2", now.Add(59*time.Minute))); err != nil || len(claims) != 0 {
			t.Errorf("a claim before the interval passed: %+v, %v; want none", claims, err)
		}
		claims, err = st.Claim(ctx, req("p2", now.Add(time.Hour)))
		if err != nil || len(claims) != 2 {
			t.Fatalf("a claim an interval later: %+v, %v; want both feeds", claims, err)
		}
		for _, cl := range claims {
			st.Release(ctx, cl.Key, "p2")
		}
		// A new subscriber makes its feed due at once: its first poll does
		// not wait for the others' next.
		d, err := st.Add(ctx, bot.Subscription{URL: "https://sport.example.com/feed", Scope: g2, Channel: "2002"})
		if err != nil {
			t.Fatal(err)
		}
		claims, err = st.Claim(ctx, req("p2", now.Add(61*time.Minute)))
		if err != nil || len(claims) != 1 || claims[0].Key != bot.FeedKey(c.URL) || len(claims[0].Subs) != 2 {
			t.Fatalf("a claim after a new subscription: %+v, %v; want the sport feed with two subscribers", claims, err)
		}
		st.Release(ctx, claims[0].Key, "p2")
		if err := st.Remove(ctx, d.Scope, d.ID); err != nil {
			t.Fatal(err)
		}
		// A poll of every feed (PollOnce) takes those no one holds, due or not.
		every := bot.FeedClaimRequest{Holder: "p3", Now: now.Add(time.Hour), DueBy: now.AddDate(100, 0, 0), Next: now.Add(2 * time.Hour), LeaseUntil: now.Add(2 * time.Hour), Limit: 1}
		if claims, err := st.Claim(ctx, every); err != nil || len(claims) != 1 {
			t.Errorf("a limited claim of every feed: %+v, %v; want one", claims, err)
		}
		// A feed no one follows any more is not polled.
		for _, s := range []bot.Subscription{a, b, c} {
			if err := st.Remove(ctx, s.Scope, s.ID); err != nil {
				t.Fatal(err)
			}
		}
		if claims, err := st.Claim(ctx, req("p4", now.AddDate(0, 0, 1))); err != nil || len(claims) != 0 {
			t.Errorf("a claim without subscriptions: %+v, %v", claims, err)
		}
	})
}

func subIDs(subs []bot.Subscription) []string {
	var out []string
	for _, s := range subs {
		out = append(out, s.ID)
	}
	slices.Sort(out)
	return out
}

// Announcements checks an AnnouncementLog: claims leased to one holder at
// a time, outcomes recorded only by the holder, a done announcement never
// claimed again. open returns a log over the same storage each time it is
// called.
func Announcements(t *testing.T, open func() bot.AnnouncementLog) {
	ctx := context.Background()
	now := time.Date(2024, 3, 7, 8, 0, 0, 0, time.UTC)
	first := bot.Announcement{Channel: "2001", Item: "https://city.example.com/a/1", Scope: "1000000000000000001", Subscription: "s1", FirstAttempt: now}
	log := open()
	rec, ok, err := log.ClaimAnnouncement(ctx, first, "a", now, now.Add(10*time.Minute))
	if err != nil || !ok || rec.Attempts != 1 || rec.Holder != "a" || !rec.FirstAttempt.Equal(now) {
		t.Fatalf("first claim: %+v %v %v", rec, ok, err)
	}
	if _, ok, err := log.ClaimAnnouncement(ctx, first, "b", now.Add(time.Minute), now.Add(11*time.Minute)); err != nil || ok {
		t.Errorf("a claim while another's lease runs: ok %v, %v", ok, err)
	}
	other := first
	other.Channel = "2002"
	if _, ok, err := log.ClaimAnnouncement(ctx, other, "b", now, now.Add(10*time.Minute)); err != nil || !ok {
		t.Errorf("the same item in another channel: ok %v, %v", ok, err)
	}
	later := first
	later.FirstAttempt = now.Add(time.Hour)
	rec, ok, err = log.ClaimAnnouncement(ctx, later, "b", now.Add(11*time.Minute), now.Add(21*time.Minute))
	if err != nil || !ok || rec.Attempts != 2 || rec.Holder != "b" || !rec.FirstAttempt.Equal(now) {
		t.Errorf("a claim after the lease: %+v %v %v; want attempt 2 with the first attempt's time", rec, ok, err)
	}
	if err := log.FinishAnnouncement(ctx, bot.Announcement{Channel: first.Channel, Item: first.Item, State: bot.AnnouncementSent, MessageID: "m"}, "a"); err == nil {
		t.Error("a holder whose claim was taken recorded an outcome")
	}
	if err := log.ReleaseAnnouncement(ctx, first.Channel, first.Item, "b"); err != nil {
		t.Fatal(err)
	}
	if rec, ok, err = log.ClaimAnnouncement(ctx, first, "c", now.Add(12*time.Minute), now.Add(22*time.Minute)); err != nil || !ok || rec.Attempts != 3 {
		t.Errorf("a claim after a release: %+v %v %v", rec, ok, err)
	}
	done := bot.Announcement{Channel: first.Channel, Item: first.Item, State: bot.AnnouncementSent, MessageID: "5001", DoneAt: now.Add(13 * time.Minute)}
	if err := log.FinishAnnouncement(ctx, done, "c"); err != nil {
		t.Fatal(err)
	}
	rec, ok, err = open().ClaimAnnouncement(ctx, first, "d", now.Add(time.Hour), now.Add(time.Hour))
	if err != nil || ok || rec.State != bot.AnnouncementSent || rec.MessageID != "5001" || rec.Attempts != 3 || !rec.DoneAt.Equal(done.DoneAt) {
		t.Errorf("a sent announcement claimed again after a reopen: %+v %v %v", rec, ok, err)
	}
	// Long after, the record is gone with its item.
	late := now.Add(bot.KeepAnnouncements + time.Hour)
	if rec, ok, err := open().ClaimAnnouncement(ctx, bot.Announcement{Channel: "2009", Item: "x", FirstAttempt: late}, "e", late, late.Add(time.Minute)); err != nil || !ok {
		t.Fatalf("a claim a month later: %+v %v %v", rec, ok, err)
	}
	if rec, ok, err := open().ClaimAnnouncement(ctx, first, "e", late, late.Add(time.Minute)); err != nil || !ok || rec.Attempts != 1 {
		t.Errorf("a month-old record was kept: %+v %v %v", rec, ok, err)
	}
}
