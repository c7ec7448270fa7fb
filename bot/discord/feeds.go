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

// feed handles /feed add, list and remove.
func (b *Bot) feed(ctx context.Context, r replier, data discordgo.ApplicationCommandInteractionData, i *discordgo.Interaction) {
	if b.opts.Feeds == nil || len(data.Options) == 0 {
		b.fail(r, &bot.InputError{Err: errors.New("feeds are not enabled on this bot")})
		return
	}
	sub := data.Options[0]
	opts := optionMap(sub.Options)
	switch sub.Name {
	case "add":
		channel := i.ChannelID
		if c, ok := opts[optChannel]; ok {
			if id, ok := c.Value.(string); ok {
				channel = id
			}
		}
		s, err := b.opts.Feeds.Follow(ctx, opts.str(optURL), i.GuildID, channel, interactionUser(i))
		if errors.Is(err, bot.ErrArticleNotFeed) {
			err = &bot.InputError{Err: errors.New("that link is an article, not a feed — load it with /load url: instead")}
		}
		if err != nil {
			b.fail(r, err)
			return
		}
		r.finish(fmt.Sprintf("📰 Following “%s”. New articles will be loaded automatically and announced in <#%s>.", markdown.Escape(cmp.Or(s.Title, s.URL)), channel), nil)
	case "list":
		subs := b.opts.Feeds.List(i.GuildID)
		if len(subs) == 0 {
			r.finish("This server follows no feeds yet — add one with `/feed add url:`.", nil)
			return
		}
		lines := []string{"**Feeds this server follows**"}
		for _, s := range subs {
			line := fmt.Sprintf("• %s — <%s> → <#%s>", markdown.Escape(cmp.Or(s.Title, "untitled")), s.URL, s.Channel)
			if s.LastError != "" {
				line += " ⚠️ last check failed: " + markdown.Escape(s.LastError)
			}
			lines = append(lines, line)
		}
		deliver(r, packLines(lines), nil)
	case "remove":
		s, err := b.opts.Feeds.Unfollow(ctx, i.GuildID, opts.str(optFeed))
		if err != nil {
			b.fail(r, err)
			return
		}
		r.finish(fmt.Sprintf("Stopped following “%s”. Articles already loaded stay in the library.", markdown.Escape(cmp.Or(s.Title, s.URL))), nil)
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
