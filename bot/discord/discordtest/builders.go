package discordtest

import (
	"fmt"
	"slices"
	"time"

	"github.com/bwmarrin/discordgo"
)

// MemberPermissions are the permissions builders give the invoking member:
// an ordinary member of a text channel. Set Interaction.Member.Permissions
// to test a moderator or a muted user.
const MemberPermissions int64 = discordgo.PermissionViewChannel |
	discordgo.PermissionSendMessages |
	discordgo.PermissionEmbedLinks |
	discordgo.PermissionAttachFiles |
	discordgo.PermissionReadMessageHistory |
	discordgo.PermissionAddReactions |
	discordgo.PermissionUseApplicationCommands |
	discordgo.PermissionCreatePublicThreads |
	discordgo.PermissionSendMessagesInThreads

// BotPermissions are the permissions builders report for the bot in the
// channel (app_permissions): what a bot invited with the usual scopes has.
const BotPermissions int64 = MemberPermissions | discordgo.PermissionManageThreads

// SlashCommand returns the interaction Discord sends when userID runs
// /name with options in channelID of guildID; guildID "" makes it a DM.
// DispatchInteraction fills in id, token, and the command's id.
func SlashCommand(guildID, channelID, userID, name string, options ...*discordgo.ApplicationCommandInteractionDataOption) *discordgo.Interaction {
	i := baseInteraction(discordgo.InteractionApplicationCommand, guildID, channelID, userID)
	i.Data = discordgo.ApplicationCommandInteractionData{Name: name, CommandType: discordgo.ChatApplicationCommand, Options: options}
	return i
}

// Autocomplete returns the interaction Discord sends while userID types an
// option of /name; mark the option being typed with Focused.
func Autocomplete(guildID, channelID, userID, name string, options ...*discordgo.ApplicationCommandInteractionDataOption) *discordgo.Interaction {
	i := SlashCommand(guildID, channelID, userID, name, options...)
	i.Type = discordgo.InteractionApplicationCommandAutocomplete
	return i
}

// MessageCommand returns the interaction Discord sends when userID picks
// the context-menu command name (Apps → name) on target, which should be a
// message the fake knows (from DispatchMessage or one the bot sent).
func MessageCommand(guildID, channelID, userID, name string, target *discordgo.Message) *discordgo.Interaction {
	i := baseInteraction(discordgo.InteractionApplicationCommand, guildID, channelID, userID)
	i.Data = discordgo.ApplicationCommandInteractionData{
		Name:        name,
		CommandType: discordgo.MessageApplicationCommand,
		TargetID:    target.ID,
		Resolved:    &discordgo.ApplicationCommandInteractionDataResolved{Messages: map[string]*discordgo.Message{target.ID: target}},
	}
	return i
}

// ButtonClick returns the interaction Discord sends when userID clicks the
// button customID on message (usually one the bot sent; see
// Server.ChannelMessages).
func ButtonClick(guildID, channelID, userID, customID string, message *discordgo.Message) *discordgo.Interaction {
	i := baseInteraction(discordgo.InteractionMessageComponent, guildID, channelID, userID)
	i.Data = discordgo.MessageComponentInteractionData{CustomID: customID, ComponentType: discordgo.ButtonComponent}
	i.Message = message
	return i
}

// ModalSubmit returns the interaction Discord sends when userID submits the
// modal customID; values maps each text input's custom_id to what was typed.
func ModalSubmit(guildID, channelID, userID, customID string, values map[string]string) *discordgo.Interaction {
	i := baseInteraction(discordgo.InteractionModalSubmit, guildID, channelID, userID)
	var rows []discordgo.MessageComponent
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		rows = append(rows, discordgo.ActionsRow{Components: []discordgo.MessageComponent{
			discordgo.TextInput{CustomID: k, Value: values[k]},
		}})
	}
	i.Data = discordgo.ModalSubmitInteractionData{CustomID: customID, Components: rows}
	return i
}

// Arg returns a command option as a user filled it in; its type follows
// value: string, integer (int, int64), number (float64) or boolean. It
// panics on other types, a mistake in the test itself.
func Arg(name string, value any) *discordgo.ApplicationCommandInteractionDataOption {
	o := &discordgo.ApplicationCommandInteractionDataOption{Name: name, Value: value}
	switch value.(type) {
	case string:
		o.Type = discordgo.ApplicationCommandOptionString
	case int, int32, int64:
		o.Type = discordgo.ApplicationCommandOptionInteger
	case float32, float64:
		o.Type = discordgo.ApplicationCommandOptionNumber
	case bool:
		o.Type = discordgo.ApplicationCommandOptionBoolean
	default:
		panic(fmt.Sprintf("discordtest.Arg(%q): unsupported value type %T", name, value))
	}
	return o
}

// Focused returns the string option a user is typing in an Autocomplete.
func Focused(name, partial string) *discordgo.ApplicationCommandInteractionDataOption {
	o := Arg(name, partial)
	o.Focused = true
	return o
}

// Subcommand returns a subcommand option (type 1) holding options.
func Subcommand(name string, options ...*discordgo.ApplicationCommandInteractionDataOption) *discordgo.ApplicationCommandInteractionDataOption {
	return &discordgo.ApplicationCommandInteractionDataOption{Name: name, Type: discordgo.ApplicationCommandOptionSubCommand, Options: options}
}

// SubcommandGroup returns a sub-command group option (type 2) holding the
// sub-command that was run.
func SubcommandGroup(name string, sub *discordgo.ApplicationCommandInteractionDataOption) *discordgo.ApplicationCommandInteractionDataOption {
	return &discordgo.ApplicationCommandInteractionDataOption{Name: name, Type: discordgo.ApplicationCommandOptionSubCommandGroup,
		Options: []*discordgo.ApplicationCommandInteractionDataOption{sub}}
}

// ChannelArg returns a channel option (type 7) as a user picked it: its
// value is the channel's id.
func ChannelArg(name, channelID string) *discordgo.ApplicationCommandInteractionDataOption {
	return &discordgo.ApplicationCommandInteractionDataOption{Name: name, Type: discordgo.ApplicationCommandOptionChannel, Value: channelID}
}

func baseInteraction(typ discordgo.InteractionType, guildID, channelID, userID string) *discordgo.Interaction {
	i := &discordgo.Interaction{
		Type:           typ,
		GuildID:        guildID,
		ChannelID:      channelID,
		AppPermissions: BotPermissions,
		Locale:         discordgo.EnglishUS,
		Context:        discordgo.InteractionContextGuild,
		AuthorizingIntegrationOwners: map[discordgo.ApplicationIntegrationType]string{
			discordgo.ApplicationIntegrationGuildInstall: guildID,
		},
	}
	if guildID == "" {
		i.User = User(userID)
		i.Context = discordgo.InteractionContextBotDM
		i.AuthorizingIntegrationOwners = map[discordgo.ApplicationIntegrationType]string{discordgo.ApplicationIntegrationUserInstall: userID}
		return i
	}
	locale := discordgo.EnglishUS
	i.GuildLocale = &locale
	i.Member = member(guildID)
	i.Member.User = User(userID)
	i.Member.Permissions = MemberPermissions
	return i
}

// Message returns the message Discord delivers when authorID posts content
// in channelID of guildID ("" for a DM). Mentions are parsed from content
// as Discord does: <@id> and <@!id> users, <@&id> roles, @everyone/@here.
func Message(guildID, channelID, authorID, content string) *discordgo.Message {
	m := &discordgo.Message{
		ChannelID:    channelID,
		GuildID:      guildID,
		Content:      content,
		Author:       User(authorID),
		Type:         discordgo.MessageTypeDefault,
		Mentions:     []*discordgo.User{},
		MentionRoles: []string{},
	}
	if guildID != "" {
		m.Member = member(guildID)
	}
	for _, sm := range userMentionRE.FindAllStringSubmatch(content, -1) {
		if !slices.ContainsFunc(m.Mentions, func(u *discordgo.User) bool { return u.ID == sm[1] }) {
			m.Mentions = append(m.Mentions, User(sm[1]))
		}
	}
	for _, sm := range roleMentionRE.FindAllStringSubmatch(content, -1) {
		if !slices.Contains(m.MentionRoles, sm[1]) {
			m.MentionRoles = append(m.MentionRoles, sm[1])
		}
	}
	m.MentionEveryone = everyoneMentionRE.MatchString(content)
	return m
}

// Reply returns the message Discord delivers when authorID replies to to
// with content: type 19 with message_reference and referenced_message. Like
// Discord's client by default it pings to's author (who then appears in
// Mentions); clear Mentions for a reply with the ping turned off.
func Reply(to *discordgo.Message, authorID, content string) *discordgo.Message {
	m := Message(to.GuildID, to.ChannelID, authorID, content)
	m.Type = discordgo.MessageTypeReply
	m.MessageReference = &discordgo.MessageReference{MessageID: to.ID, ChannelID: to.ChannelID, GuildID: to.GuildID}
	m.ReferencedMessage = to
	if to.Author != nil && !slices.ContainsFunc(m.Mentions, func(u *discordgo.User) bool { return u.ID == to.Author.ID }) {
		m.Mentions = append(m.Mentions, to.Author)
	}
	return m
}

// User returns the user a builder puts in events for id: a person, not a bot.
func User(id string) *discordgo.User {
	return &discordgo.User{ID: id, Username: "user" + id, Discriminator: "0", GlobalName: "User " + id}
}

func member(guildID string) *discordgo.Member {
	return &discordgo.Member{
		GuildID:  guildID,
		JoinedAt: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC),
		Roles:    []string{},
	}
}
