// Package discordtest runs a fake Discord on 127.0.0.1 that a real
// *discordgo.Session can talk to: REST under /api/v9 and /api/v10 and the
// gateway websocket at /gw.
//
// Tests point a session at the fake through its http.Client rather than by
// reassigning discordgo's package-level Endpoint variables, so every test gets
// its own fake and tests can run in parallel:
//
//	srv := discordtest.New(t, discordtest.WithGuild("111", "News"))
//	s := srv.Session(t) // opened, READY received, closed at cleanup
//	s.AddHandler(func(s *discordgo.Session, ic *discordgo.InteractionCreate) { … })
//	srv.DispatchInteraction(discordtest.SlashCommand("111", "222", "333", "ask",
//		discordtest.Arg("question", "What did Lavrov say?")))
//	edit, err := srv.WaitFor(ctx, discordtest.Match("PATCH", "/webhooks/*/*/messages/@original"))
//
// For REST-only tests, NewSession gives an unopened session that needs no
// cleanup; Session's sessions finish closing in the background after the
// test, because discordgo's Close sleeps a second.
//
// The fake records every REST request (Requests, WaitFor), keeps the
// messages, threads and commands the bot created, and behaves like Discord
// where a bot can get it wrong: interactions must be acknowledged before
// their original response can be edited, message limits are enforced with
// Discord's error bodies, allowed_mentions decides who is pinged, and
// MESSAGE_CREATE events honour the session's intents (without the Message
// Content intent, content is blank unless the bot is mentioned or it is a DM).
//
// Sessions may identify as shards (discordgo's ShardID and ShardCount, or
// Shard for Session): as on Discord, each server's events then reach only
// the session of its shard, (guild_id >> 22) % shard_count (ShardOf), and
// direct messages shard 0; GET /gateway/bot recommends WithShards' count,
// and WithIdentifyLimit refuses IDENTIFYs that come faster than Discord
// allows.
//
// Faults can be injected per route: error statuses (FailNext), 429s with
// Discord's rate-limit headers (RateLimitNext), and slow responses (Delay).
// DropConnection cuts the gateway socket so discordgo reconnects and resumes.
package discordtest
