package main

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/spf13/cobra"

	"github.com/newsbot/newsbot/bot/discord"
	"github.com/newsbot/newsbot/retrieval/fetch"
)

func (e *env) serveCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "Run the Discord bot until interrupted",
		Long: `Connects to Discord with DISCORD_TOKEN, registers the slash commands (in
NEWSBOT_DISCORD_GUILD_ID when set, else globally), follows the servers' news
feeds, and answers until SIGINT or SIGTERM; then it finishes the answers in
flight and closes the library cleanly.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if e.cfg.DiscordToken == "" {
				return errors.New("DISCORD_TOKEN is not set: create a bot at https://discord.com/developers/applications, copy its token and set DISCORD_TOKEN")
			}
			api, err := url.Parse(e.cfg.DiscordAPIURL)
			if err != nil || (api.Scheme != "https" && api.Scheme != "http") || api.Host == "" {
				return fmt.Errorf("NEWSBOT_DISCORD_API_URL must be an http(s) address such as https://discord.com, not %q", e.cfg.DiscordAPIURL)
			}
			core, st, err := e.newBot()
			if err != nil {
				return err
			}
			defer st.Close()
			feeds, err := fetch.OpenFeedStore(filepath.Join(e.cfg.DataDir, "feeds.json"))
			if err != nil {
				return err
			}
			s, err := discordgo.New("Bot " + strings.TrimPrefix(e.cfg.DiscordToken, "Bot "))
			if err != nil {
				return err
			}
			if api.Host != "discord.com" || api.Scheme != "https" {
				s.Client = &http.Client{Transport: discord.APITransport(api, nil)}
			}
			s.LogLevel = discordgo.LogWarning
			d := discord.New(s, core, discord.Options{
				GuildID: e.cfg.DiscordGuildID, AdminRoles: e.cfg.AdminRoles, Feeds: feeds, Logger: e.logger,
				AnswerTimeout: e.cfg.AnswerTimeout + 30*time.Second,
			})
			poller := fetch.NewPoller(feeds, core.Fetcher(), d.OnFeedItem, fetch.PollOptions{Interval: e.cfg.FeedInterval, Jitter: e.cfg.FeedInterval / 10, Logger: e.logger})
			go poller.Run(e.ctx)
			e.logger.Info("starting", "data", e.cfg.DataDir, "articles", st.Library.Len(), "model", modelName(e.cfg), "embedder", st.Index.Embedder().String())
			return d.Run(e.ctx)
		},
	}
}

func modelName(c config) string {
	if c.OpenAIKey == "" && c.OpenAIBaseURL == "" {
		return "none (extractive answers)"
	}
	return c.ChatModel
}
