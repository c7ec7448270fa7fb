package discord

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/retrieval/fetch"
)

// feed handles /feed add, list and remove.
func (b *Bot) feed(ctx context.Context, r replier, data discordgo.ApplicationCommandInteractionData, i *discordgo.Interaction) {
	if b.opts.Feeds == nil || b.core.Fetcher() == nil || len(data.Options) == 0 {
		b.fail(r, &bot.InputError{Err: errors.New("feeds are not enabled on this bot")})
		return
	}
	sub := data.Options[0]
	opts := optionMap(sub.Options)
	switch sub.Name {
	case "add":
		url := opts.str(optURL)
		channel := i.ChannelID
		if c, ok := opts[optChannel]; ok {
			if id, ok := c.Value.(string); ok {
				channel = id
			}
		}
		// Check the feed now, so a wrong link is refused here and not at
		// the first poll.
		res, err := b.core.Fetcher().Fetch(ctx, url)
		if err != nil {
			b.fail(r, err)
			return
		}
		if res.Kind != fetch.KindFeed {
			b.fail(r, &bot.InputError{Err: errors.New("that link is an article, not a feed — load it with /load url: instead")})
			return
		}
		s, err := b.opts.Feeds.Add(ctx, fetch.Subscription{URL: url, GuildID: i.GuildID, ChannelID: channel, Title: res.Feed.Title, AddedBy: interactionUser(i)})
		if err != nil {
			b.fail(r, err)
			return
		}
		r.finish(fmt.Sprintf("📰 Following “%s”. New articles will be loaded automatically and announced in <#%s>.", escapeMarkdown(or(s.Title, s.URL)), channel), nil)
	case "list":
		subs := b.opts.Feeds.List(i.GuildID)
		if len(subs) == 0 {
			r.finish("This server follows no feeds yet — add one with `/feed add url:`.", nil)
			return
		}
		lines := []string{"**Feeds this server follows**"}
		for _, s := range subs {
			line := fmt.Sprintf("• %s — <%s> → <#%s>", escapeMarkdown(or(s.Title, "untitled")), s.URL, s.ChannelID)
			if s.LastError != "" {
				line += " ⚠️ last check failed: " + escapeMarkdown(s.LastError)
			}
			lines = append(lines, line)
		}
		deliver(r, packLines(lines), nil)
	case "remove":
		id := opts.str(optFeed)
		var title string
		for _, s := range b.opts.Feeds.List(i.GuildID) {
			if s.ID == id || strings.EqualFold(s.URL, id) {
				id, title = s.ID, or(s.Title, s.URL)
			}
		}
		if err := b.opts.Feeds.Remove(ctx, i.GuildID, id); err != nil {
			b.fail(r, err)
			return
		}
		r.finish(fmt.Sprintf("Stopped following “%s”. Articles already loaded stay in the library.", escapeMarkdown(title)), nil)
	}
}

// OnFeedItem is the feed poller's callback: it loads a new item into the
// subscribing server's library and announces it in the chosen channel.
func (b *Bot) OnFeedItem(ctx context.Context, sub fetch.Subscription, item fetch.Item, doc fetch.Document) error {
	res, err := b.core.LoadDocument(ctx, doc, sub.GuildID)
	if err != nil {
		return err
	}
	if res.Status == "unchanged" || sub.ChannelID == "" {
		return nil
	}
	_, err = b.s.ChannelMessageSendComplex(sub.ChannelID, &discordgo.MessageSend{
		Content:         "📰 New from " + escapeMarkdown(or(sub.Title, "a followed feed")) + ": " + receipt(res),
		AllowedMentions: noMentions(),
		Flags:           discordgo.MessageFlagsSuppressEmbeds,
	})
	if err != nil {
		b.log.Warn("announce feed item", "channel", sub.ChannelID, "err", err)
	}
	return nil
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
