package discord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/newsbot/newsbot/bot"
)

// Application flags for the privileged Message Content intent: enabled for
// a verified bot, or (the "limited" flag the developer portal's toggle
// sets) for an unverified one in fewer than 100 servers.
const (
	flagGatewayMessageContent        = 1 << 18
	flagGatewayMessageContentLimited = 1 << 19
)

// portal is where a bot's settings are changed.
const portal = "https://discord.com/developers/applications"

// Checks looks at what serve needs from Discord, over REST and without
// connecting to the gateway: the token is valid, the application has the
// Message Content intent (serve asks for it, and Discord refuses the whole
// connection without it), the invite link works, and, when guildID is set,
// the bot is in that server. s is a session from NewSession, not opened.
func Checks(ctx context.Context, s *discordgo.Session, guildID string) []bot.Check {
	me, err := s.User("@me", discordgo.WithContext(ctx))
	if err != nil {
		return []bot.Check{tokenFailure(s, err)}
	}
	out := []bot.Check{{Name: "discord token", Status: bot.CheckOK,
		Detail: fmt.Sprintf("the token belongs to the bot %s (id %s) at %s", me.Username, me.ID, apiBase(s))}}
	app, err := currentApplication(ctx, s)
	if err != nil {
		return append(out, bot.Check{Name: "discord application", Status: bot.CheckFail,
			Detail: "cannot read the bot's application: " + connectLine(s, err), Fix: "try again; if it persists, check the token's application in " + portal})
	}
	out = append(out, intentCheck(app), inviteCheck(app))
	if guildID != "" {
		out = append(out, guildCheck(ctx, s, guildID, app.ID))
	}
	return out
}

// tokenFailure explains why GET /users/@me failed.
func tokenFailure(s *discordgo.Session, err error) bot.Check {
	var rest *discordgo.RESTError
	if errors.As(err, &rest) && rest.Response != nil && rest.Response.StatusCode == http.StatusUnauthorized {
		return bot.Check{Name: "discord token", Status: bot.CheckFail, Detail: "Discord refused the bot token",
			Fix: "copy a new one from " + portal + " (your application → Bot → Reset Token) into DISCORD_TOKEN"}
	}
	return bot.Check{Name: "discord token", Status: bot.CheckFail, Detail: connectLine(s, err),
		Fix: "check the network, and NEWSBOT_DISCORD_API_URL if you set it"}
}

// connectLine is err as openError words it: one line naming the host.
func connectLine(s *discordgo.Session, err error) string { return openError(s, err).Error() }

// currentApplication reads GET /applications/@me, which discordgo has no
// method for with a context.
func currentApplication(ctx context.Context, s *discordgo.Session) (*discordgo.Application, error) {
	endpoint := discordgo.EndpointApplication("@me")
	body, err := s.RequestWithBucketID(http.MethodGet, endpoint, nil, endpoint, discordgo.WithContext(ctx))
	if err != nil {
		return nil, err
	}
	var app discordgo.Application
	if err := json.Unmarshal(body, &app); err != nil {
		return nil, fmt.Errorf("decode the application: %w", err)
	}
	return &app, nil
}

func intentCheck(app *discordgo.Application) bot.Check {
	c := bot.Check{Name: "message content intent"}
	switch {
	case app.Flags&flagGatewayMessageContent != 0:
		c.Status, c.Detail = bot.CheckOK, "enabled"
	case app.Flags&flagGatewayMessageContentLimited != 0:
		c.Status, c.Detail = bot.CheckOK, "enabled (until the bot is in 100 servers; then Discord asks for verification)"
	default:
		c.Status, c.Detail = bot.CheckFail, "off: Discord will refuse serve's connection, which asks for it to read mentions and thread replies"
		c.Fix = "turn on Message Content Intent in " + portal + " → your application → Bot → Privileged Gateway Intents"
	}
	return c
}

func inviteCheck(app *discordgo.Application) bot.Check {
	c := bot.Check{Name: "invite link", Status: bot.CheckOK, Detail: inviteURL(app.ID) +
		" (scopes bot and applications.commands; permissions: " + PermissionNames() + ")"}
	if app.BotRequireCodeGrant {
		c.Status = bot.CheckFail
		c.Fix = "turn off Requires OAuth2 Code Grant in " + portal + " → your application → Bot, or the link will not add the bot"
	} else if !app.BotPublic {
		c.Detail += "; the bot is private: only its owner can add it"
	}
	return c
}

func guildCheck(ctx context.Context, s *discordgo.Session, guildID, appID string) bot.Check {
	c := bot.Check{Name: "discord server"}
	guilds, err := s.UserGuilds(200, "", "", false, discordgo.WithContext(ctx))
	if err != nil {
		c.Status, c.Detail = bot.CheckFail, "cannot list the bot's servers: "+connectLine(s, err)
		return c
	}
	i := slices.IndexFunc(guilds, func(g *discordgo.UserGuild) bool { return g.ID == guildID })
	if i < 0 {
		c.Status = bot.CheckFail
		c.Detail = fmt.Sprintf("the bot is not in the server %s (NEWSBOT_DISCORD_GUILD_ID), so its commands cannot be registered there", guildID)
		c.Fix = "open the invite link as an admin of that server, or correct the id"
		return c
	}
	c.Status, c.Detail = bot.CheckOK, fmt.Sprintf("the bot is in %q (%s); its commands are registered there", guilds[i].Name, guildID)
	return c
}

// permissions names each permission the invite link asks for, as the
// developer portal shows it.
var permissions = []struct {
	bit  int64
	name string
}{
	{discordgo.PermissionViewChannel, "View Channels"},
	{discordgo.PermissionSendMessages, "Send Messages"},
	{discordgo.PermissionSendMessagesInThreads, "Send Messages in Threads"},
	{discordgo.PermissionCreatePublicThreads, "Create Public Threads"},
	{discordgo.PermissionReadMessageHistory, "Read Message History"},
	{discordgo.PermissionEmbedLinks, "Embed Links"},
}

// PermissionNames lists the permissions the invite link asks for.
func PermissionNames() string {
	var names []string
	for _, p := range permissions {
		if Permissions&p.bit != 0 {
			names = append(names, p.name)
		}
	}
	return strings.Join(names, ", ")
}

// ShardCheck compares the shards this process runs (sh) with the count
// Discord recommends for the bot (GET /gateway/bot): one connection holds
// at most 2,500 servers, and Discord recommends a shard per thousand or so.
// s is a session from NewSession, not opened.
func ShardCheck(ctx context.Context, s *discordgo.Session, sh Shards) bot.Check {
	c := bot.Check{Name: "discord shards"}
	gw, err := s.GatewayBot(discordgo.WithContext(ctx))
	if err != nil {
		c.Status, c.Detail = bot.CheckFail, "cannot ask Discord how many shards the bot needs: "+connectLine(s, err)
		c.Fix = "check the network, and NEWSBOT_DISCORD_API_URL if you set it"
		return c
	}
	n := max(gw.Shards, 1)
	recommends := "Discord recommends " + plural(n, "shard")
	switch {
	case sh.Auto:
		c.Status, c.Detail = bot.CheckOK, fmt.Sprintf("auto: serve runs all %d in this process (%s)", n, recommends)
	case sh.Count == 0 && n > 1:
		c.Status, c.Detail = bot.CheckWarn, fmt.Sprintf("serve runs the bot on one connection, and %s; one connection holds at most 2,500 servers", recommends)
		c.Fix = fmt.Sprintf("set NEWSBOT_SHARDS=auto, or give each process of a fleet its ids out of %d (such as 0-%d/%d and %d-%d/%d)", n, n/2-1, n, n/2, n-1, n)
	case sh.Count == 0:
		c.Status, c.Detail = bot.CheckOK, "one connection ("+recommends+")"
	case sh.Count < n:
		c.Status, c.Detail = bot.CheckWarn, fmt.Sprintf("the fleet runs %s and %s", plural(sh.Count, "shard"), recommends)
		c.Fix = fmt.Sprintf("stop every process and start them again with a count of at least %d in NEWSBOT_SHARDS", n)
	case sh.All():
		c.Status, c.Detail = bot.CheckOK, fmt.Sprintf("serve runs all %d shards in this process (%s)", sh.Count, recommends)
	default:
		c.Status, c.Detail = bot.CheckOK, fmt.Sprintf("serve runs shards %s (%s); the others need processes of their own, on the same database", sh, recommends)
	}
	return c
}
