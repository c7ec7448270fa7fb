package discord

import "github.com/bwmarrin/discordgo"

// Command and option names, used by the definitions and the handlers.
const (
	cmdAsk       = "ask"
	cmdSummarize = "summarize"
	cmdLoad      = "load"
	cmdArticles  = "articles"
	cmdForget    = "forget"
	cmdFeed      = "feed"
	cmdHelp      = "help"
	cmdAskAbout  = "Ask newsbot about this" // message context menu

	optQuestion = "question"
	optArticle  = "article"
	optTopic    = "topic"
	optDays     = "days"
	optURL      = "url"
	optFile     = "file"
	optQuery    = "query"
	optChannel  = "channel"
	optFeed     = "feed"
)

// commands are the application commands the bot registers.
func (b *Bot) commands() []*discordgo.ApplicationCommand {
	manage := int64(discordgo.PermissionManageGuild)
	admin := &manage
	if len(b.opts.AdminRoles) > 0 {
		admin = nil // visible to everyone; checked against the roles here
	}
	dm := true
	articleOpt := func(required bool, desc string) *discordgo.ApplicationCommandOption {
		return &discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionString, Name: optArticle,
			Description: desc, Required: required, Autocomplete: true}
	}
	cmds := []*discordgo.ApplicationCommand{
		{
			Name: cmdAsk, Description: "Ask a question about the loaded news articles", DMPermission: &dm,
			Options: []*discordgo.ApplicationCommandOption{
				{Type: discordgo.ApplicationCommandOptionString, Name: optQuestion, Description: "Your question", Required: true, MaxLength: 1000},
				articleOpt(false, "Only answer from this article"),
			},
		},
		{
			Name: cmdSummarize, Description: "Summarize an article, or what the articles say about a topic", DMPermission: &dm,
			Options: []*discordgo.ApplicationCommandOption{
				articleOpt(false, "The article to summarize"),
				{Type: discordgo.ApplicationCommandOptionString, Name: optTopic, Description: "A topic to digest across articles", MaxLength: 200},
				{Type: discordgo.ApplicationCommandOptionInteger, Name: optDays, Description: "Only articles from the last N days", MinValue: floatPtr(1), MaxValue: 3650},
			},
		},
		{
			Name: cmdArticles, Description: "List or search the articles this server can ask about", DMPermission: &dm,
			Options: []*discordgo.ApplicationCommandOption{
				{Type: discordgo.ApplicationCommandOptionString, Name: optQuery, Description: "Words from the headline or text", MaxLength: 200},
			},
		},
		{Name: cmdHelp, Description: "How to use newsbot", DMPermission: &dm},
		{
			Name: cmdLoad, Description: "Add an article to this server's library from a link or a file",
			DefaultMemberPermissions: admin, DMPermission: boolPtr(false),
			Options: []*discordgo.ApplicationCommandOption{
				{Type: discordgo.ApplicationCommandOptionString, Name: optURL, Description: "Link to an article or a news feed", MaxLength: 2000},
				{Type: discordgo.ApplicationCommandOptionAttachment, Name: optFile, Description: "A .txt, .md, .html or .pdf file"},
			},
		},
		{
			Name: cmdForget, Description: "Remove an article from this server's library",
			DefaultMemberPermissions: admin, DMPermission: boolPtr(false),
			Options: []*discordgo.ApplicationCommandOption{articleOpt(true, "The article to remove")},
		},
		{Name: cmdAskAbout, Type: discordgo.MessageApplicationCommand, DMPermission: &dm},
	}
	if b.opts.Feeds != nil {
		cmds = append(cmds, &discordgo.ApplicationCommand{
			Name: cmdFeed, Description: "Follow news feeds: new articles are loaded automatically",
			DefaultMemberPermissions: admin, DMPermission: boolPtr(false),
			Options: []*discordgo.ApplicationCommandOption{
				{Type: discordgo.ApplicationCommandOptionSubCommand, Name: "add", Description: "Follow an RSS or Atom feed",
					Options: []*discordgo.ApplicationCommandOption{
						{Type: discordgo.ApplicationCommandOptionString, Name: optURL, Description: "The feed's address", Required: true, MaxLength: 2000},
						{Type: discordgo.ApplicationCommandOptionChannel, Name: optChannel, Description: "Announce new articles here",
							ChannelTypes: []discordgo.ChannelType{discordgo.ChannelTypeGuildText, discordgo.ChannelTypeGuildNews}},
					}},
				{Type: discordgo.ApplicationCommandOptionSubCommand, Name: "list", Description: "Show the feeds this server follows"},
				{Type: discordgo.ApplicationCommandOptionSubCommand, Name: "remove", Description: "Stop following a feed",
					Options: []*discordgo.ApplicationCommandOption{
						{Type: discordgo.ApplicationCommandOptionString, Name: optFeed, Description: "The feed", Required: true, Autocomplete: true},
					}},
			},
		})
	}
	return cmds
}

func boolPtr(v bool) *bool        { return &v }
func floatPtr(v float64) *float64 { return &v }
