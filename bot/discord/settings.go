package discord

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/newsbot/newsbot/bot"
)

// settingsWait bounds reading a server's settings before an interaction is
// acknowledged; Discord allows 3 seconds for everything.
const settingsWait = time.Second

// serverSettings returns a server's settings: the defaults in DMs, without
// a store, or when the store fails (which is logged), so a broken store
// never silences the bot.
func (b *Bot) serverSettings(guildID string) bot.Settings {
	if guildID == "" || b.opts.Settings == nil {
		return bot.Settings{}
	}
	ctx, cancel := context.WithTimeout(b.root, settingsWait)
	defer cancel()
	s, err := b.opts.Settings.Settings(ctx, guildID)
	if err != nil {
		b.log.Error("read server settings; using the defaults", "guild", guildID, "err", err)
		return bot.Settings{}
	}
	return s
}

// allowQuestion takes one of the member's questions from their allowance
// on this server, or says how long until they may ask again.
func (b *Bot) allowQuestion(guildID, user string, s bot.Settings) (bool, time.Duration) {
	perMinute, burst := b.opts.RatePerMinute, b.opts.Burst
	if s.RatePerMinute > 0 {
		perMinute = float64(s.RatePerMinute)
	}
	if s.Burst > 0 {
		burst = s.Burst
	}
	return b.limits.allow(guildID+"/"+user, perMinute, burst)
}

// answersIn reports whether the server lets the bot answer in a channel;
// a thread goes with its parent channel, which the state cache knows for
// threads the bot can see (it gets THREAD_CREATE for them).
func (b *Bot) answersIn(s bot.Settings, channelID string) bool {
	if s.Answers(channelID, "") {
		return true
	}
	if ch, err := b.stateChannel(channelID); err == nil && ch.IsThread() {
		return s.Answers(channelID, ch.ParentID)
	}
	return false
}

// checkChannel refuses a question asked where the server's moderators
// keep the bot quiet, naming where it does answer.
func (b *Bot) checkChannel(i *discordgo.Interaction, s bot.Settings) error {
	if i.GuildID == "" || b.answersIn(s, i.ChannelID) {
		return nil
	}
	where := make([]string, len(s.Channels))
	for k, c := range s.Channels {
		where[k] = "<#" + c + ">"
	}
	return &bot.InputError{Err: wrongChannel{strings.Join(where, ", ")}}
}

// wrongChannel is a question asked outside the channels a server's
// moderators let the bot answer in; where lists those.
type wrongChannel struct{ where string }

func (e wrongChannel) Error() string {
	return "on this server I answer in " + e.where + " — ask me there"
}

// localeLanguages maps Discord's client languages to bot.Languages.
var localeLanguages = map[discordgo.Locale]string{
	discordgo.EnglishUS: "English", discordgo.EnglishGB: "English", discordgo.Bulgarian: "Bulgarian",
	discordgo.ChineseCN: "Chinese (Simplified)", discordgo.ChineseTW: "Chinese (Traditional)", discordgo.Croatian: "Croatian",
	discordgo.Czech: "Czech", discordgo.Danish: "Danish", discordgo.Dutch: "Dutch", discordgo.Finnish: "Finnish",
	discordgo.French: "French", discordgo.German: "German", discordgo.Greek: "Greek", discordgo.Hindi: "Hindi",
	discordgo.Hungarian: "Hungarian", "id": "Indonesian", discordgo.Italian: "Italian", discordgo.Japanese: "Japanese",
	discordgo.Korean: "Korean", discordgo.Lithuanian: "Lithuanian", discordgo.Norwegian: "Norwegian", discordgo.Polish: "Polish",
	discordgo.PortugueseBR: "Portuguese", discordgo.Romanian: "Romanian", discordgo.Russian: "Russian",
	discordgo.SpanishES: "Spanish", discordgo.SpanishLATAM: "Spanish", discordgo.Swedish: "Swedish", discordgo.Thai: "Thai",
	discordgo.Turkish: "Turkish", discordgo.Ukrainian: "Ukrainian", discordgo.Vietnamese: "Vietnamese",
}

// answerLanguage is the language a model answers in: the server's choice,
// else the asker's Discord language (locale, "" when unknown, as for a
// message, leaves the model to answer in the question's language).
// Extractive answers quote the articles as written whatever it says.
func (b *Bot) answerLanguage(s bot.Settings, locale discordgo.Locale) string {
	if s.Language != "" {
		return s.Language
	}
	return localeLanguages[locale]
}

// automatic is the language choice that leaves each asker their own.
const automatic = "Automatic"

// planSettings checks a /settings change and returns the job that stores
// it. Values are checked here, before anything is acknowledged, so a
// mistake gets its one sentence at once.
func (b *Bot) planSettings(i *discordgo.Interaction, data discordgo.ApplicationCommandInteractionData) (*job, error) {
	group, sub, opts := subcommand(data)
	var change func(*bot.Settings) error
	switch group + "/" + sub {
	case "/" + subShow:
	case subChannels + "/" + subAdd:
		ch, err := channelOption(opts)
		if err != nil {
			return nil, err
		}
		change = func(s *bot.Settings) error {
			if !slices.Contains(s.Channels, ch) {
				s.Channels = append(s.Channels, ch)
			}
			return nil
		}
	case subChannels + "/" + subRemove:
		ch, err := channelOption(opts)
		if err != nil {
			return nil, err
		}
		change = func(s *bot.Settings) error {
			k := slices.Index(s.Channels, ch)
			if k < 0 {
				return &bot.InputError{Err: fmt.Errorf("<#%s> is not on the list of channels", ch)}
			}
			s.Channels = slices.Delete(s.Channels, k, k+1)
			return nil
		}
	case subChannels + "/" + subAll:
		change = func(s *bot.Settings) error { s.Channels = nil; return nil }
	case "/" + subRateLimit:
		// Discord keeps the numbers within the options' bounds; Check
		// keeps them there for any client that doesn't.
		perMinute, _ := opts.integer(optPerMinute)
		burst, hasBurst := opts.integer(optBurst)
		if err := (bot.Settings{RatePerMinute: perMinute, Burst: burst}).Check(); err != nil {
			return nil, err
		}
		change = func(s *bot.Settings) error {
			s.RatePerMinute = perMinute
			if hasBurst {
				s.Burst = burst
			}
			return nil
		}
	case "/" + subThreads:
		open, ok := opts.boolean(optOpen)
		if !ok {
			return nil, &bot.InputError{Err: errors.New("say whether mentions open a thread: true or false")}
		}
		change = func(s *bot.Settings) error { s.NoThreads = !open; return nil }
	case "/" + subLanguage:
		typed := opts.str(optLanguage)
		lang, ok := bot.LanguageNamed(typed)
		if strings.EqualFold(typed, automatic) {
			lang, ok = "", true
		}
		if !ok {
			return nil, &bot.InputError{Err: fmt.Errorf("%q is not a language I can answer in; pick one from the list", typed)}
		}
		change = func(s *bot.Settings) error { s.Language = lang; return nil }
	case "/" + subTimezone:
		zone, err := bot.LoadZone(opts.str(optZone))
		if err != nil {
			return nil, err
		}
		change = func(s *bot.Settings) error { s.Timezone = zone.String(); return nil }
	case "/" + subReset:
		// A reset keeps the daily briefing and its zone: /briefing off
		// stops the briefing, and its time means nothing without the zone.
		change = func(s *bot.Settings) error { *s = bot.Settings{Briefing: s.Briefing, Timezone: s.Timezone}; return nil }
	default:
		return nil, &bot.InputError{Err: errors.New("pick one of the /settings commands")}
	}
	who := interactionUser(i)
	return &job{private: true, run: func(ctx context.Context, r replier) {
		var s bot.Settings
		var err error
		if change == nil {
			s, err = b.opts.Settings.Settings(ctx, i.GuildID)
		} else {
			s, err = b.opts.Settings.UpdateSettings(ctx, i.GuildID, func(s *bot.Settings) error {
				if err := change(s); err != nil {
					return err
				}
				s.UpdatedBy = who
				return nil
			})
		}
		if err != nil {
			b.fail(r, err)
			return
		}
		lead := "**newsbot on this server**"
		if change != nil {
			lead = "✅ Saved. " + lead
			b.log.Info("server settings changed", "guild", i.GuildID, "by", who, "setting", strings.Trim(group+" "+sub, " "))
		}
		r.finish(lead+"\n"+b.describeSettings(s), nil)
	}}, nil
}

// channelOption reads the channel a /settings channels command names.
func channelOption(opts options) (string, error) {
	if o, ok := opts[optChannel]; ok {
		if id, ok := o.Value.(string); ok && id != "" {
			return id, nil
		}
	}
	return "", &bot.InputError{Err: errors.New("pick a channel")}
}

// describeSettings lists a server's settings as /settings show says them.
func (b *Bot) describeSettings(s bot.Settings) string {
	var lines []string
	if len(s.Channels) == 0 {
		lines = append(lines, "• Answers in: every channel")
	} else {
		where := make([]string, len(s.Channels))
		for k, c := range s.Channels {
			where[k] = "<#" + c + ">"
		}
		lines = append(lines, "• Answers in: "+strings.Join(where, ", ")+" (and their threads)")
	}
	perMinute, burst, note := int(b.opts.RatePerMinute), b.opts.Burst, " (default)"
	if s.RatePerMinute > 0 {
		perMinute, note = s.RatePerMinute, ""
	}
	if s.Burst > 0 {
		burst = s.Burst
	}
	lines = append(lines, fmt.Sprintf("• Each member may ask %s a minute, %d at once%s", plural(perMinute, "question"), burst, note))
	if s.NoThreads {
		lines = append(lines, "• A mention is answered with a reply in its channel")
	} else {
		lines = append(lines, "• A mention opens a thread for the answer (default)")
	}
	lang := "each member's Discord language (default)"
	if s.Language != "" {
		lang = s.Language
	}
	lines = append(lines, "• Answer language: "+lang)
	if b.opts.Briefings != nil {
		zone := "UTC (default)"
		if s.Timezone != "" {
			zone = s.Timezone
		}
		lines = append(lines, "• Time zone: "+zone)
		if br := s.Briefing; br != nil {
			lines = append(lines, fmt.Sprintf("• Daily briefing: <#%s> at %s (`/briefing show`)", br.Channel, br.At))
		} else {
			lines = append(lines, "• Daily briefing: none (`/briefing set`)")
		}
	}
	if !b.core.ModelConfigured() {
		lines = append(lines, "  _No chat model is configured, so answers quote the articles as written; the language applies once the bot's owner sets one up._")
	}
	return strings.Join(lines, "\n")
}

// languageChoices suggests languages for /settings language as typed.
func languageChoices(typed string) []*discordgo.ApplicationCommandOptionChoice {
	typed = strings.ToLower(strings.TrimSpace(typed))
	var out []*discordgo.ApplicationCommandOptionChoice
	for _, l := range append([]string{automatic}, bot.Languages...) {
		if typed == "" || strings.Contains(strings.ToLower(l), typed) {
			out = append(out, &discordgo.ApplicationCommandOptionChoice{Name: l, Value: l})
		}
		if len(out) == maxChoices {
			break
		}
	}
	return out
}
