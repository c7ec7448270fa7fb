package discord

import (
	"github.com/bwmarrin/discordgo"

	"github.com/newsbot/newsbot/bot"
)

// Command, sub-command and option names, used by the definitions and the
// handlers.
const (
	cmdAsk       = "ask"
	cmdSummarize = "summarize"
	cmdLoad      = "load"
	cmdArticles  = "articles"
	cmdForget    = "forget"
	cmdFeed      = "feed"
	cmdSettings  = "settings"
	cmdHelp      = "help"
	cmdBriefing  = "briefing"
	cmdTimeline  = "timeline"
	cmdAskAbout  = "Ask newsbot about this" // message context menu

	subArticle   = "article"
	subTopic     = "topic"
	subAdd       = "add"
	subList      = "list"
	subRemove    = "remove"
	subShow      = "show"
	subChannels  = "channels" // a group: add, remove, all
	subAll       = "all"
	subRateLimit = "rate-limit"
	subThreads   = "threads"
	subLanguage  = "language"
	subReset     = "reset"
	subSet       = "set"
	subOff       = "off"
	subNow       = "now"
	subTimezone  = "timezone"

	optQuestion  = "question"
	optArticle   = "article"
	optTopic     = "topic"
	optDays      = "days"
	optURL       = "url"
	optFile      = "file"
	optReload    = "reload"
	optQuery     = "query"
	optChannel   = "channel"
	optFeed      = "feed"
	optPerMinute = "per-minute"
	optBurst     = "burst"
	optOpen      = "open"
	optLanguage  = "language"
	optTime      = "time"
	optZone      = "zone"
)

// maxDays is the longest period /summarize topic digests.
const maxDays = 3650

// commands are the application commands the bot registers. Their
// descriptions are what people read in Discord's command picker: each says
// what the command does for them, and commands only some may use say who.
func (b *Bot) commands() []*discordgo.ApplicationCommand {
	manage := int64(discordgo.PermissionManageGuild)
	admin := &manage
	if len(b.opts.AdminRoles) > 0 {
		admin = nil // visible to everyone; checked against the roles here
	}
	dm := true
	str := func(name, desc string, required bool, maxLen int) *discordgo.ApplicationCommandOption {
		return &discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionString, Name: name, Description: desc, Required: required, MaxLength: maxLen}
	}
	article := func(required bool, desc string) *discordgo.ApplicationCommandOption {
		o := str(optArticle, desc, required, 0)
		o.Autocomplete = true
		return o
	}
	sub := func(name, desc string, opts ...*discordgo.ApplicationCommandOption) *discordgo.ApplicationCommandOption {
		return &discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionSubCommand, Name: name, Description: desc, Options: opts}
	}
	cmds := []*discordgo.ApplicationCommand{
		{
			Name: cmdAsk, Description: "Ask a question about the news articles; the answer cites its paragraphs", DMPermission: &dm,
			Options: []*discordgo.ApplicationCommandOption{
				str(optQuestion, "Your question, e.g. What did Lavrov propose?", true, 1000),
				article(false, "Answer from this article only (type words from its headline or text)"),
			},
		},
		{
			Name: cmdSummarize, Description: "Summarize an article, or what the articles say about a topic", DMPermission: &dm,
			Options: []*discordgo.ApplicationCommandOption{
				sub(subArticle, "A cited summary of one article",
					article(true, "The article (type words from its headline or text)")),
				sub(subTopic, "A cited digest of what the articles say about a topic",
					str(optTopic, "The topic, e.g. the drought in the valley", true, 200),
					&discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionInteger, Name: optDays,
						Description: "Only articles from the last N days", MinValue: floatPtr(1), MaxValue: maxDays}),
			},
		},
		{
			Name: cmdArticles, Description: "List the articles this server can ask about, or find some", DMPermission: &dm,
			Options: []*discordgo.ApplicationCommandOption{
				str(optQuery, "Words from a headline or an article's text", false, 200),
			},
		},
		{
			Name: cmdTimeline, Description: "How a story developed: dated events, oldest first, each cited", DMPermission: &dm,
			Options: []*discordgo.ApplicationCommandOption{
				str(optTopic, "The story, e.g. the drought in the valley", true, 200),
			},
		},
		{Name: cmdHelp, Description: "How to use newsbot", DMPermission: &dm},
		{
			Name: cmdLoad, Description: "Add an article to this server's library from a link or a file (Manage Server)",
			DefaultMemberPermissions: admin, DMPermission: boolPtr(false),
			Options: []*discordgo.ApplicationCommandOption{
				str(optURL, "Link to an article or a news feed", false, 2000),
				{Type: discordgo.ApplicationCommandOptionAttachment, Name: optFile, Description: "A .txt, .md, .html or .pdf file"},
				{Type: discordgo.ApplicationCommandOptionBoolean, Name: optReload, Description: "Replace the stored article with the same address, wherever it came from"},
			},
		},
		{
			Name: cmdForget, Description: "Remove an article from this server's library (Manage Server)",
			DefaultMemberPermissions: admin, DMPermission: boolPtr(false),
			Options: []*discordgo.ApplicationCommandOption{article(true, "The article to remove")},
		},
		{Name: cmdAskAbout, Type: discordgo.MessageApplicationCommand, DMPermission: &dm},
	}
	if b.opts.Feeds != nil {
		// Everyone may list the feeds, so the command is visible to all
		// and adding or removing is checked here.
		cmds = append(cmds, &discordgo.ApplicationCommand{
			Name: cmdFeed, Description: "News feeds this server follows: new articles are loaded automatically",
			DMPermission: boolPtr(false),
			Options: []*discordgo.ApplicationCommandOption{
				sub(subList, "Show the feeds this server follows"),
				sub(subAdd, "Follow an RSS or Atom feed (Manage Server)",
					str(optURL, "The feed's address", true, 2000),
					&discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionChannel, Name: optChannel, Description: "Announce new articles here (default: this channel)",
						ChannelTypes: []discordgo.ChannelType{discordgo.ChannelTypeGuildText, discordgo.ChannelTypeGuildNews}}),
				sub(subRemove, "Stop following a feed (Manage Server)",
					&discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionString, Name: optFeed, Description: "The feed to stop following", Required: true, Autocomplete: true}),
			},
		})
	}
	if b.opts.Settings != nil {
		cmds = append(cmds, b.settingsCommand(admin))
	}
	if b.opts.Briefings != nil {
		cmds = append(cmds, briefingCommand())
	}
	return cmds
}

// settingsCommand is /settings, for moderators.
func (b *Bot) settingsCommand(admin *int64) *discordgo.ApplicationCommand {
	sub := func(name, desc string, opts ...*discordgo.ApplicationCommandOption) *discordgo.ApplicationCommandOption {
		return &discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionSubCommand, Name: name, Description: desc, Options: opts}
	}
	channel := func(desc string) *discordgo.ApplicationCommandOption {
		return &discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionChannel, Name: optChannel, Description: desc, Required: true,
			ChannelTypes: []discordgo.ChannelType{discordgo.ChannelTypeGuildText, discordgo.ChannelTypeGuildNews, discordgo.ChannelTypeGuildForum}}
	}
	cmd := &discordgo.ApplicationCommand{
		Name: cmdSettings, Description: "How newsbot behaves on this server (Manage Server)",
		DefaultMemberPermissions: admin, DMPermission: boolPtr(false),
		Options: []*discordgo.ApplicationCommandOption{
			sub(subShow, "Show this server's settings"),
			{Type: discordgo.ApplicationCommandOptionSubCommandGroup, Name: subChannels, Description: "The channels where newsbot answers",
				Options: []*discordgo.ApplicationCommandOption{
					sub(subAdd, "Answer in this channel; once any is listed, only in the listed ones", channel("The channel (its threads count too)")),
					sub(subRemove, "Stop answering in this channel", channel("The channel to take off the list")),
					sub(subAll, "Answer in every channel again"),
				}},
			sub(subRateLimit, "How many questions each member may ask",
				&discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionInteger, Name: optPerMinute, Required: true,
					Description: "Questions per minute for each member (default 6)", MinValue: floatPtr(1), MaxValue: 60},
				&discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionInteger, Name: optBurst,
					Description: "Questions a member may ask at once before the limit applies (default 3)", MinValue: floatPtr(1), MaxValue: 10}),
			sub(subThreads, "Whether a mention of newsbot opens a thread for the answer",
				&discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionBoolean, Name: optOpen, Required: true,
					Description: "True: answer in a new thread (default); false: reply in the channel"}),
			sub(subLanguage, "The language answers are written in, when a chat model writes them",
				&discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionString, Name: optLanguage, Required: true, Autocomplete: true,
					Description: "A language, or Automatic: each member's Discord language (default)", MaxLength: 40}),
			sub(subReset, "Go back to the default settings"),
		},
	}
	if b.opts.Briefings != nil {
		cmd.Options = append(cmd.Options, sub(subTimezone, "The time zone of this server's daily briefing",
			&discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionString, Name: optZone, Required: true, Autocomplete: true,
				Description: "A time zone such as Europe/Berlin or America/New_York (default UTC)", MaxLength: 64}))
	}
	return cmd
}

// briefingCommand is /briefing. Everyone may see the schedule and a
// preview, so the command is visible to all; setting and stopping it is
// checked here.
func briefingCommand() *discordgo.ApplicationCommand {
	sub := func(name, desc string, opts ...*discordgo.ApplicationCommandOption) *discordgo.ApplicationCommandOption {
		return &discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionSubCommand, Name: name, Description: desc, Options: opts}
	}
	return &discordgo.ApplicationCommand{
		Name: cmdBriefing, Description: "A daily cited digest of the news that arrived, posted in a channel",
		DMPermission: boolPtr(false),
		Options: []*discordgo.ApplicationCommandOption{
			sub(subShow, "When and where the daily briefing is posted"),
			sub(subNow, "Preview, just for you, what the next briefing would say now"),
			sub(subSet, "Post a briefing every day at a time (Manage Server)",
				&discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionChannel, Name: optChannel, Required: true,
					Description: "The channel to post it in", ChannelTypes: []discordgo.ChannelType{discordgo.ChannelTypeGuildText, discordgo.ChannelTypeGuildNews}},
				&discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionString, Name: optTime, Required: true,
					Description: "Time of day in the server's zone (/settings timezone), e.g. 07:30 or 7:30 pm", MaxLength: 20},
				&discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionString, Name: optTopic,
					Description: "Only news about this, e.g. the drought in the valley (default: all news)", MaxLength: bot.MaxBriefingTopic}),
			sub(subOff, "Stop the daily briefing (Manage Server)"),
		},
	}
}

func boolPtr(v bool) *bool        { return &v }
func floatPtr(v float64) *float64 { return &v }
