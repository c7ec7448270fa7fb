package discord

import (
	"cmp"
	"context"
	"errors"
	"fmt"

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
		return &job{private: true, run: func(ctx context.Context, r replier) { b.listFeeds(r, i.GuildID) }}, nil
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
func (b *Bot) listFeeds(r replier, guildID string) {
	subs := b.opts.Feeds.List(guildID)
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

// Announce is the feeds' announcer (bot.Announcer): it posts an article a
// followed feed brought in the subscription's channel.
func (b *Bot) Announce(ctx context.Context, sub bot.Subscription, res bot.LoadResult) {
	_, err := b.s.ChannelMessageSendComplex(sub.Channel, &discordgo.MessageSend{
		Content:         "📰 New from " + markdown.Escape(cmp.Or(sub.Title, "a followed feed")) + ": " + receipt(res),
		AllowedMentions: noMentions(),
		Flags:           discordgo.MessageFlagsSuppressEmbeds,
	})
	if err != nil {
		b.log.Warn("announce feed item", "channel", sub.Channel, "err", err)
	}
}
