package discord

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/bot/discord/markdown"
)

// planFeed checks /feed: anyone may list the feeds; adding and removing
// one is for those who manage the server. Every reply is private.
func (b *Bot) planFeed(i *discordgo.Interaction, data discordgo.ApplicationCommandInteractionData) (*job, error) {
	if b.opts.Feeds == nil {
		return nil, &bot.InputError{Err: errors.New("feeds are not enabled on this bot")}
	}
	if i.GuildID == "" {
		return nil, &bot.InputError{Err: errors.New("feeds are followed by servers; use /feed in a server")}
	}
	_, sub, opts := subcommand(data)
	switch sub {
	case subList:
		return &job{private: true, run: func(ctx context.Context, r replier) { b.listFeeds(ctx, r, i.GuildID) }}, nil
	case subAdd, subRemove:
		if err := b.checkManage(i, "change the feeds this server follows"); err != nil {
			return nil, err
		}
	default:
		return nil, &bot.InputError{Err: errors.New("pick /feed list, add or remove")}
	}
	if sub == subRemove {
		return &job{private: true, run: func(ctx context.Context, r replier) {
			s, err := b.opts.Feeds.Unfollow(ctx, i.GuildID, opts.str(optFeed))
			if err != nil {
				b.fail(r, err)
				return
			}
			r.finish(fmt.Sprintf("Stopped following “%s”. Articles already loaded stay in the library.", markdown.Escape(cmp.Or(s.Title, bot.RedactURL(s.URL)))), nil)
		}}, nil
	}
	channel := i.ChannelID
	if c, ok := opts[optChannel]; ok {
		if id, ok := c.Value.(string); ok {
			channel = id
		}
	}
	url := opts.str(optURL)
	return &job{private: true, costly: true, run: func(ctx context.Context, r replier) {
		s, err := b.opts.Feeds.Follow(ctx, url, i.GuildID, channel, interactionUser(i))
		if errors.Is(err, bot.ErrArticleNotFeed) {
			err = &bot.InputError{Err: errors.New("that link is an article, not a feed — load it with /load url: instead")}
		}
		if err != nil {
			b.fail(r, err)
			return
		}
		r.finish(fmt.Sprintf("📰 Following “%s”. New articles will be loaded automatically and announced in <#%s>.", markdown.Escape(cmp.Or(s.Title, bot.RedactURL(s.URL))), channel), nil)
	}}, nil
}

// listFeeds lists the feeds a server follows.
func (b *Bot) listFeeds(ctx context.Context, r replier, guildID string) {
	subs, err := b.opts.Feeds.List(ctx, guildID)
	if err != nil {
		b.fail(r, err)
		return
	}
	if len(subs) == 0 {
		r.finish("This server follows no feeds yet — those with Manage Server can add one with `/feed add url:`.", nil)
		return
	}
	lines := []string{"**Feeds this server follows**"}
	for _, s := range subs {
		line := fmt.Sprintf("• %s — <%s> → <#%s>", markdown.Escape(cmp.Or(s.Title, "untitled")), bot.RedactURL(s.URL), s.Channel)
		if s.LastError != "" {
			line += " ⚠️ last check failed: " + markdown.Escape(s.LastError)
		}
		lines = append(lines, line)
	}
	if err := deliver(r, packLines(lines), nil); err != nil {
		b.log.Error("deliver feed list", "err", err)
	}
}

// Announce posts an article a followed feed brought in the
// subscription's channel (bot.Announcer). The announcement's key goes
// with it as the nonce, with enforce_nonce: two attempts within minutes
// make one message.
func (b *Bot) Announce(ctx context.Context, p bot.AnnouncementPost) (string, error) {
	return b.sendKeyed(ctx, p.Sub.Channel, announcement(p), p.Key, "announce")
}

// announcement is the text of a feed item's announcement.
func announcement(p bot.AnnouncementPost) string {
	return announcementPrefix(p) + receipt(p.Result)
}

// announcementPrefix is how every announcement of the subscription's feed
// begins.
func announcementPrefix(p bot.AnnouncementPost) string {
	return "📰 New from " + markdown.Escape(cmp.Or(p.Sub.Title, "a followed feed")) + ": "
}

// FindAnnouncement looks among the bot's messages in the channel since
// the first attempt for the announcement an earlier attempt posted
// (bot.Announcer).
func (b *Bot) FindAnnouncement(ctx context.Context, p bot.AnnouncementPost) (string, error) {
	// The receipt's verb may differ between attempts (added, then
	// unchanged): the article's title in quotes is what they share.
	title := "“" + markdown.Escape(p.Result.Article.Title) + "”"
	prefix := announcementPrefix(p)
	return b.findOwn(ctx, p.Sub.Channel, p.After, "look for a posted announcement", func(content string) bool {
		return strings.HasPrefix(content, prefix) && strings.Contains(content, title)
	})
}
