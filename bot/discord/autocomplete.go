package discord

import (
	"cmp"
	"context"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/newsbot/newsbot/bot"
)

// maxChoices is Discord's limit on autocomplete choices.
const maxChoices = 25

// autocompleteWait bounds the work for one autocomplete answer, which
// Discord wants within 3 seconds; what is found by then is sent.
const autocompleteWait = 2 * time.Second

// onAutocomplete suggests articles, feeds or languages as a person types.
// Articles match by headline first, then by text (BM25 alone, no
// embeddings call); an empty field lists the newest.
func (b *Bot) onAutocomplete(i *discordgo.Interaction) {
	data := i.ApplicationCommandData()
	focused := focusedOption(data.Options)
	var choices []*discordgo.ApplicationCommandOptionChoice
	if focused != nil {
		typed, _ := focused.Value.(string)
		switch focused.Name {
		case optArticle:
			ctx, cancel := context.WithTimeout(b.root, autocompleteWait)
			found, err := b.core.SuggestArticles(ctx, typed, scopeOf(i.GuildID), maxChoices)
			cancel()
			if err != nil {
				b.log.Warn("autocomplete articles", append(interactionAttrs(i), "err", err)...)
			}
			for _, a := range found {
				if data.Name == cmdForget && a.Scope != i.GuildID {
					continue // the shared library is the owner's to change
				}
				choices = append(choices, &discordgo.ApplicationCommandOptionChoice{Name: choiceName(a), Value: a.ID})
			}
		case optFeed:
			ctx, cancel := context.WithTimeout(b.root, autocompleteWait)
			choices = b.feedChoices(ctx, i.GuildID, typed)
			cancel()
		case optLanguage:
			choices = languageChoices(typed)
		case optZone:
			for _, z := range bot.SuggestZones(typed, maxChoices) {
				choices = append(choices, &discordgo.ApplicationCommandOptionChoice{Name: z, Value: z})
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

// feedChoices suggests the server's feeds whose title or address holds
// what was typed.
func (b *Bot) feedChoices(ctx context.Context, guildID, typed string) []*discordgo.ApplicationCommandOptionChoice {
	if b.opts.Feeds == nil {
		return nil
	}
	subs, err := b.opts.Feeds.List(ctx, guildID)
	if err != nil {
		b.log.Warn("autocomplete feeds", "guild", guildID, "err", err)
	}
	var out []*discordgo.ApplicationCommandOptionChoice
	for _, f := range subs {
		address := bot.RedactURL(f.URL)
		name := cmp.Or(f.Title, address)
		if typed == "" || strings.Contains(strings.ToLower(name+" "+address), strings.ToLower(typed)) {
			out = append(out, &discordgo.ApplicationCommandOptionChoice{Name: truncateRunes(oneLine(name), 100), Value: f.ID})
		}
		if len(out) == maxChoices {
			break
		}
	}
	return out
}

// choiceName is how an article reads in a choice list: headline, outlet,
// date, within Discord's 100 characters.
func choiceName(a *bot.Article) string {
	suffix := ""
	if src := oneLine(a.Source); src != "" {
		suffix = " — " + src
	}
	if !a.PublishedAt.IsZero() {
		suffix += " (" + a.PublishedAt.Format("2 Jan 2006") + ")"
	}
	suffix = truncateRunes(suffix, 40)
	return truncateRunes(cmp.Or(oneLine(a.Title), "untitled"), 100-runeLen(suffix)) + suffix
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
