package discord

import (
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/newsbot/newsbot/bot"
)

// maxChoices is Discord's limit on autocomplete choices.
const maxChoices = 25

// onAutocomplete suggests articles (or feeds) from memory: Discord wants an
// answer within 3 seconds, so nothing here touches the disk or the network.
func (b *Bot) onAutocomplete(i *discordgo.Interaction) {
	data := i.ApplicationCommandData()
	focused := focusedOption(data.Options)
	var choices []*discordgo.ApplicationCommandOptionChoice
	if focused != nil {
		typed, _ := focused.Value.(string)
		switch focused.Name {
		case optArticle:
			for _, a := range b.titleMatches(typed, scopeOf(i.GuildID), maxChoices) {
				choices = append(choices, &discordgo.ApplicationCommandOptionChoice{Name: choiceName(a), Value: a.ID})
			}
		case optFeed:
			if b.opts.Feeds != nil {
				for _, f := range b.opts.Feeds.List(i.GuildID) {
					name := f.Title
					if name == "" {
						name = f.URL
					}
					if typed == "" || strings.Contains(strings.ToLower(name+" "+f.URL), strings.ToLower(typed)) {
						choices = append(choices, &discordgo.ApplicationCommandOptionChoice{Name: truncateRunes(name, 100), Value: f.ID})
					}
					if len(choices) == maxChoices {
						break
					}
				}
			}
		}
	}
	if choices == nil {
		choices = []*discordgo.ApplicationCommandOptionChoice{}
	}
	err := b.s.InteractionRespond(i, &discordgo.InteractionResponse{
		Type: discordgo.InteractionApplicationCommandAutocompleteResult,
		Data: &discordgo.InteractionResponseData{Choices: choices},
	})
	if err != nil {
		b.log.Error("autocomplete", "err", err)
	}
}

// titleMatches returns up to n articles visible in scope whose headline or
// outlet contains every word of typed, newest first.
func (b *Bot) titleMatches(typed, scope string, n int) []*bot.Article {
	words := strings.Fields(strings.ToLower(typed))
	var out []*bot.Article
	for _, a := range b.core.Articles(scope) {
		hay := strings.ToLower(a.Title + " " + a.Source)
		ok := true
		for _, w := range words {
			if !strings.Contains(hay, w) {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, a)
			if len(out) == n {
				break
			}
		}
	}
	return out
}

// choiceName is how an article reads in a choice list: headline, outlet,
// date, within Discord's 100 characters.
func choiceName(a *bot.Article) string {
	suffix := ""
	if a.Source != "" {
		suffix = " — " + a.Source
	}
	if !a.PublishedAt.IsZero() {
		suffix += " (" + a.PublishedAt.Format("2 Jan 2006") + ")"
	}
	suffix = truncateRunes(suffix, 40)
	return truncateRunes(a.Title, 100-runeLen(suffix)) + suffix
}

func focusedOption(opts []*discordgo.ApplicationCommandInteractionDataOption) *discordgo.ApplicationCommandInteractionDataOption {
	for _, o := range opts {
		if o.Focused {
			return o
		}
		if f := focusedOption(o.Options); f != nil {
			return f
		}
	}
	return nil
}

// onComponent handles button clicks: "Show quotes" opens an ephemeral
// message with the cited paragraphs.
func (b *Bot) onComponent(i *discordgo.Interaction) {
	id, ok := strings.CutPrefix(i.MessageComponentData().CustomID, quotesPrefix)
	if !ok {
		return
	}
	a, ok := b.answers.get(id)
	if !ok {
		b.respondNow(i, "Those quotes are no longer in my memory — ask the question again to see them.", true)
		return
	}
	pages := renderQuotes(a)
	b.respondNow(i, pages[0], true)
	for _, p := range pages[1:] {
		if _, err := b.s.FollowupMessageCreate(i, true, &discordgo.WebhookParams{Content: p, Flags: discordgo.MessageFlagsEphemeral, AllowedMentions: noMentions()}); err != nil {
			b.log.Error("send quotes", "err", err)
			return
		}
	}
}
