package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// config is everything newsbot reads from the environment. Flags may
// override some of it; nothing else in the program reads the environment.
type config struct {
	DataDir string

	DiscordToken   string
	DiscordGuildID string
	DiscordAPIURL  string

	OpenAIKey     string
	OpenAIBaseURL string
	ChatModel     string

	EmbedModel   string // "local" for the built-in embedder
	EmbedBaseURL string
	EmbedKey     string

	AllowPrivateURLs bool
	AnswerTimeout    time.Duration
	LogLevel         string
	AdminRoles       []string      // role ids allowed to change a server's library
	FeedInterval     time.Duration // how often feeds are polled
}

// defaultChatModel is a current small OpenAI model.
const defaultChatModel = "gpt-4o-mini"

// defaultEmbedModel is OpenAI's small embeddings model.
const defaultEmbedModel = "text-embedding-3-small"

func loadConfig(getenv func(string) string) (config, error) {
	c := config{
		DataDir:        or(getenv("NEWSBOT_DATA_DIR"), "./data"),
		DiscordToken:   strings.TrimSpace(getenv("DISCORD_TOKEN")),
		DiscordGuildID: getenv("NEWSBOT_DISCORD_GUILD_ID"),
		DiscordAPIURL:  or(getenv("NEWSBOT_DISCORD_API_URL"), "https://discord.com"),
		OpenAIKey:      strings.TrimSpace(getenv("OPENAI_API_KEY")),
		OpenAIBaseURL:  getenv("OPENAI_BASE_URL"),
		ChatModel:      or(getenv("NEWSBOT_CHAT_MODEL"), defaultChatModel),
		EmbedModel:     getenv("NEWSBOT_EMBED_MODEL"),
		EmbedBaseURL:   getenv("NEWSBOT_EMBED_BASE_URL"),
		EmbedKey:       strings.TrimSpace(getenv("NEWSBOT_EMBED_API_KEY")),
		LogLevel:       or(getenv("NEWSBOT_LOG_LEVEL"), "info"),
		AnswerTimeout:  60 * time.Second,
	}
	var err error
	if c.AllowPrivateURLs, err = parseBool("NEWSBOT_ALLOW_PRIVATE_URLS", getenv("NEWSBOT_ALLOW_PRIVATE_URLS")); err != nil {
		return c, err
	}
	if v := getenv("NEWSBOT_ANSWER_TIMEOUT"); v != "" {
		if c.AnswerTimeout, err = time.ParseDuration(v); err != nil || c.AnswerTimeout <= 0 {
			return c, fmt.Errorf("NEWSBOT_ANSWER_TIMEOUT must be a duration such as 60s, not %q", v)
		}
	}
	for _, r := range strings.FieldsFunc(getenv("NEWSBOT_ADMIN_ROLES"), func(r rune) bool { return r == ',' || r == ' ' }) {
		c.AdminRoles = append(c.AdminRoles, r)
	}
	c.FeedInterval = 15 * time.Minute
	if v := getenv("NEWSBOT_FEED_INTERVAL"); v != "" {
		if c.FeedInterval, err = time.ParseDuration(v); err != nil || c.FeedInterval < time.Minute {
			return c, fmt.Errorf("NEWSBOT_FEED_INTERVAL must be a duration of at least 1m, such as 15m, not %q", v)
		}
	}
	if c.EmbedKey == "" {
		c.EmbedKey = c.OpenAIKey
	}
	if c.EmbedBaseURL == "" {
		c.EmbedBaseURL = c.OpenAIBaseURL
	}
	if c.EmbedModel == "" {
		c.EmbedModel = "local"
		if c.EmbedKey != "" && c.EmbedBaseURL == "" {
			c.EmbedModel = defaultEmbedModel // OpenAI's own endpoint
		}
	}
	return c, nil
}

func or(v, def string) string {
	if strings.TrimSpace(v) == "" {
		return def
	}
	return strings.TrimSpace(v)
}

func parseBool(name, v string) (bool, error) {
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("%s must be true or false, not %q", name, v)
	}
	return b, nil
}
