package discordtest

import (
	"net/http"

	"github.com/bwmarrin/discordgo"
)

// Application flags Discord reports for the privileged Message Content
// intent: enabled for a verified bot, or for an unverified one in fewer
// than 100 servers (the "limited" flag, which is what the developer
// portal's toggle sets for most bots).
const (
	FlagGatewayMessageContent        = 1 << 18
	FlagGatewayMessageContentLimited = 1 << 19
)

// WithApplicationFlags sets the flags GET /applications/@me reports. By
// default they agree with the gateway: FlagGatewayMessageContentLimited,
// unless WithDisallowedIntents refuses the Message Content intent.
func WithApplicationFlags(flags int) Option {
	return func(c *config) { c.appFlags = &flags }
}

// WithCodeGrant makes the application require the OAuth2 code grant to be
// added to a server, which breaks the plain invite link.
func WithCodeGrant() Option {
	return func(c *config) { c.codeGrant = true }
}

// applicationFlags are the flags the application reports.
func (s *Server) applicationFlags() int {
	if s.cfg.appFlags != nil {
		return *s.cfg.appFlags
	}
	if s.cfg.disallowedIntents&discordgo.IntentMessageContent != 0 {
		return 0
	}
	return FlagGatewayMessageContentLimited
}

// getApplication answers GET /applications/@me and its older form
// /oauth2/applications/@me with the bot's application.
func (s *Server) getApplication(w http.ResponseWriter, _ *http.Request, _ *Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"id": s.cfg.appID, "name": s.cfg.botName, "icon": nil, "description": "",
		"bot_public": true, "bot_require_code_grant": s.cfg.codeGrant,
		"flags": s.applicationFlags(), "bot": s.botUserJSON(),
		"owner":      map[string]any{"id": "1000000000000000999", "username": "owner", "discriminator": "0"},
		"verify_key": "0000", "team": nil,
	})
}

// getMyGuilds answers GET /users/@me/guilds with the guilds the bot is in.
func (s *Server) getMyGuilds(w http.ResponseWriter, _ *http.Request, _ *Request) {
	out := []map[string]any{}
	for _, g := range s.cfg.guilds {
		out = append(out, map[string]any{"id": g.id, "name": g.name, "icon": nil, "owner": false, "permissions": "0", "features": []string{}})
	}
	writeJSON(w, http.StatusOK, out)
}
