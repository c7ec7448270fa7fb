package main

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/bot/discord"
)

// config is everything newsbot is configured with. Each field is one key,
// set in a config file (newsbot.toml or newsbot.yaml), in the environment,
// or for some by a flag; flags win over the environment, which wins over
// the file. Nothing else in the program reads the environment.
//
// Adding a setting is adding one field here, with its tags:
//
//	key      the key in the config file; its environment variable is
//	         NEWSBOT_ and the key upper-cased, unless env names another
//	env      the environment variable, for names kept from before
//	default  the value when nothing sets it (coreDefaults for the core's)
//	secret   "true": may also come from a file named by KEY_FILE
//	check    "url" (an http(s) address), "id" (a Discord snowflake),
//	         "ids" (snowflakes), "oneof a b c", "postgres" (a
//	         postgres:// address), "shards" (discord.ParseShards),
//	         "addr" (host:port to listen on)
//	min      the least duration allowed
//
// and a row in the README's configuration table (a test checks both).
type config struct {
	DataDir string `key:"data_dir" default:"./data"`

	DiscordToken   string   `key:"discord_token" env:"DISCORD_TOKEN" secret:"true"`
	DiscordGuildID string   `key:"discord_guild_id" check:"id"`
	DiscordAPIURL  string   `key:"discord_api_url" default:"https://discord.com" check:"url"`
	AdminRoles     []string `key:"admin_roles" check:"ids"` // role ids allowed to change a server's library and settings

	OpenAIKey     string `key:"openai_api_key" env:"OPENAI_API_KEY" secret:"true"`
	OpenAIBaseURL string `key:"openai_base_url" env:"OPENAI_BASE_URL" check:"url"`
	ChatModel     string `key:"chat_model" default:"gpt-4o-mini"`

	EmbedModel   string `key:"embed_model"` // "local" for the built-in embedder; see resolve
	EmbedBaseURL string `key:"embed_base_url" check:"url"`
	EmbedKey     string `key:"embed_api_key" secret:"true"`

	AllowPrivateURLs bool          `key:"allow_private_urls"`
	AnswerTimeout    time.Duration `key:"answer_timeout" min:"1s"`                       // default: coreDefaults
	FeedInterval     time.Duration `key:"feed_interval" min:"1m"`                        // how often feeds are polled; default: coreDefaults
	LockWait         time.Duration `key:"lock_wait" default:"2m" min:"1ms"`              // how long to wait for another newsbot using the data folder
	EmbedTimeout     time.Duration `key:"embed_timeout" default:"60s" min:"1ms"`         // deadline for one embeddings request
	FeedbackUserIDs  bool          `key:"feedback_user_ids"`                             // store voters' Discord ids, not keyed hashes
	LogLevel         string        `key:"log_level" check:"oneof debug info warn error"` // default: see logLevel

	// DatabaseURL moves the library to PostgreSQL, shared by a fleet.
	DatabaseURL string `key:"database_url" secret:"true" check:"postgres"`
	// Shards are the Discord shards serve runs ("0-1/4", "auto"); empty:
	// the whole bot on one connection.
	Shards string `key:"shards" check:"shards"`

	// HTTPAddr is where serve answers /healthz, /readyz and /metrics; ""
	// serves nothing.
	HTTPAddr string `key:"http_addr" check:"addr"`

	// file is the config file that was read, "" when none; fileSecrets
	// says whether it holds a secret itself (not a secret's file name).
	file        string
	fileSecrets bool
}

// defaultEmbedModel is OpenAI's small embeddings model.
const defaultEmbedModel = "text-embedding-3-small"

// setting is one key of config, read from its struct tags.
type setting struct {
	key, env string
	def      string
	secret   bool
	check    string
	min      time.Duration
	field    int
	kind     reflect.Type
}

var (
	durationType = reflect.TypeFor[time.Duration]()
	settings     = readSettings()
)

// coreDefaults are the settings whose defaults the core keeps, so that each
// has one home: the core applies it to a zero option, the configuration
// shows and applies the same value.
var coreDefaults = map[string]time.Duration{
	"answer_timeout": bot.DefaultAnswerTimeout,
	"feed_interval":  bot.DefaultFeedInterval,
}

// durationText writes d as the README's table and the configuration's
// messages do: a minute or less in seconds ("60s"), longer in whole minutes
// ("15m") when it is some.
func durationText(d time.Duration) string {
	switch {
	case d <= time.Minute && d%time.Second == 0:
		return fmt.Sprintf("%ds", d/time.Second)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}

// readSettings turns config's tags into settings; a mistake in a tag is a
// programming error caught by any test.
func readSettings() []setting {
	t := reflect.TypeFor[config]()
	var out []setting
	for i := range t.NumField() {
		f := t.Field(i)
		key := f.Tag.Get("key")
		if key == "" {
			continue
		}
		s := setting{key: key, env: f.Tag.Get("env"), def: f.Tag.Get("default"), secret: f.Tag.Get("secret") == "true",
			check: f.Tag.Get("check"), field: i, kind: f.Type}
		if s.env == "" {
			s.env = "NEWSBOT_" + strings.ToUpper(key)
		}
		if m := f.Tag.Get("min"); m != "" {
			s.min = mustDuration(m)
		}
		if d, ok := coreDefaults[key]; ok {
			s.def = durationText(d)
		}
		out = append(out, s)
	}
	return out
}

func mustDuration(s string) time.Duration {
	d, err := time.ParseDuration(s)
	if err != nil {
		panic(err)
	}
	return d
}

// lookup finds a setting by its key.
func lookup(key string) (setting, bool) {
	for _, s := range settings {
		if s.key == key {
			return s, true
		}
	}
	return setting{}, false
}

// defaults is the config with every default applied.
func defaults() config {
	var c config
	for _, s := range settings {
		if s.def != "" {
			if err := s.set(&c, s.def, "default"); err != nil {
				panic(err)
			}
		}
	}
	return c
}

// set parses raw (a string from the environment or a flag, or a value
// decoded from the config file) into the field; where names the source in
// the error, e.g. "NEWSBOT_ANSWER_TIMEOUT" or "answer_timeout in newsbot.toml".
// An empty value leaves the field as it is.
func (s setting) set(c *config, raw any, where string) error {
	v := reflect.ValueOf(c).Elem().Field(s.field)
	switch {
	case s.kind == durationType:
		str, ok := raw.(string)
		d, err := time.ParseDuration(strings.TrimSpace(str))
		if str == "" && ok {
			return nil
		}
		if !ok || err != nil || d < s.min || d <= 0 {
			return fmt.Errorf("%s must be a duration of at least %s, such as %s, not %s", where, short(s.min), orDefault(s.def, "30s"), show(raw))
		}
		v.SetInt(int64(d))
	case s.kind.Kind() == reflect.Bool:
		switch b := raw.(type) {
		case bool:
			v.SetBool(b)
		case string:
			if strings.TrimSpace(b) == "" {
				return nil
			}
			p, err := strconv.ParseBool(strings.TrimSpace(b))
			if err != nil {
				return fmt.Errorf("%s must be true or false, not %s", where, show(raw))
			}
			v.SetBool(p)
		default:
			return fmt.Errorf("%s must be true or false, not %s", where, show(raw))
		}
	case s.kind.Kind() == reflect.Slice:
		list, err := stringList(raw)
		if err != nil {
			return fmt.Errorf("%s must be a list, not %s", where, show(raw))
		}
		for _, item := range list {
			if !s.ok(item) {
				return fmt.Errorf("%s: %q is not %s", where, item, s.want())
			}
		}
		if len(list) > 0 {
			v.Set(reflect.ValueOf(list))
		}
	default:
		str, err := scalar(raw)
		if err != nil {
			return fmt.Errorf("%s must be %s, not %s", where, s.want(), show(raw))
		}
		if str = strings.TrimSpace(str); str == "" {
			return nil
		}
		if !s.ok(str) && s.secret {
			return fmt.Errorf("%s must be %s", where, s.want()) // a secret is not repeated
		}
		if !s.ok(str) {
			return fmt.Errorf("%s must be %s, not %q", where, s.want(), str)
		}
		v.SetString(str)
	}
	return nil
}

var snowflake = regexp.MustCompile(`^[0-9]{1,20}$`)

// ok checks one string value against the setting's check.
func (s setting) ok(v string) bool {
	switch {
	case s.check == "url":
		u, err := url.Parse(v)
		return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
	case s.check == "id" || s.check == "ids":
		return snowflake.MatchString(v)
	case s.check == "postgres":
		u, err := url.Parse(v)
		return err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql")
	case s.check == "shards":
		_, err := discord.ParseShards(v)
		return err == nil
	case s.check == "addr":
		_, port, err := net.SplitHostPort(v)
		n, perr := strconv.Atoi(port)
		return err == nil && perr == nil && n >= 0 && n <= 65535
	case strings.HasPrefix(s.check, "oneof "):
		for _, o := range strings.Fields(strings.TrimPrefix(s.check, "oneof ")) {
			if strings.EqualFold(v, o) {
				return true
			}
		}
		return false
	}
	return true
}

// want says what value the setting takes, for error messages.
func (s setting) want() string {
	switch {
	case s.check == "url":
		return "an http(s) address such as https://example.com"
	case s.check == "id" || s.check == "ids":
		return "a Discord id (digits only: copy it with Developer Mode on)"
	case s.check == "postgres":
		return "a PostgreSQL address such as postgres://newsbot@db.example:5432/newsbot"
	case s.check == "shards":
		return discord.ErrShards.Error()
	case s.check == "addr":
		return "an address to listen on such as 127.0.0.1:9090 or :9090"
	case strings.HasPrefix(s.check, "oneof "):
		return "one of " + strings.Join(strings.Fields(strings.TrimPrefix(s.check, "oneof ")), ", ")
	}
	return "text"
}

// scalar accepts the forms a file may give a single value in: text, or a
// number for ids and names that look like numbers.
func scalar(raw any) (string, error) {
	switch v := raw.(type) {
	case string:
		return v, nil
	case int64:
		return strconv.FormatInt(v, 10), nil
	case int:
		return strconv.Itoa(v), nil
	case uint64:
		return strconv.FormatUint(v, 10), nil
	}
	return "", errors.New("not a single value")
}

// stringList accepts a list, or one string of comma- or space-separated items.
func stringList(raw any) ([]string, error) {
	if s, ok := raw.(string); ok {
		return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }), nil
	}
	items, ok := raw.([]any)
	if !ok {
		return nil, errors.New("not a list")
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		s, err := scalar(it)
		if err != nil {
			return nil, err
		}
		out = append(out, strings.TrimSpace(s))
	}
	return out, nil
}

// show quotes a value for an error message.
func show(raw any) string {
	if s, ok := raw.(string); ok {
		return strconv.Quote(s)
	}
	return fmt.Sprintf("%v", raw)
}

// short formats a duration without trailing zero units ("1m", not "1m0s").
func short(d time.Duration) string {
	s := d.String()
	s = strings.TrimSuffix(s, "0s")
	return strings.TrimSuffix(s, "0m")
}

// loadConfig builds the configuration: defaults, then the config file (if
// any), then the environment, then flags. flags maps keys to values given on
// the command line.
func loadConfig(getenv func(string) string, flags configFlags) (config, error) {
	c := defaults()
	path, err := findConfigFile(getenv, flags)
	if err != nil {
		return c, err
	}
	if path != "" {
		if err := c.loadFile(path); err != nil {
			return c, err
		}
		c.file = path
	}
	if err := c.loadEnv(getenv); err != nil {
		return c, err
	}
	for key, v := range flags.values {
		s, _ := lookup(key)
		if err := s.set(&c, v, "--"+flags.names[key]); err != nil {
			return c, err
		}
	}
	c.resolve()
	return c, nil
}

// loadEnv applies the environment: each setting's variable, and for secrets
// the file named by VARIABLE_FILE.
func (c *config) loadEnv(getenv func(string) string) error {
	for _, s := range settings {
		v := getenv(s.env)
		if s.secret {
			fromFile, err := readSecret(s.env, v, getenv(s.env+"_FILE"))
			if err != nil {
				return err
			}
			v = orDefault(fromFile, v)
		}
		if err := s.set(c, v, s.env); err != nil {
			return err
		}
	}
	return nil
}

// readSecret reads a secret from the file that NAME_FILE names, as
// container platforms mount them; value, the secret given directly, must
// then be empty.
func readSecret(name, value, file string) (string, error) {
	if strings.TrimSpace(file) == "" {
		return "", nil
	}
	if strings.TrimSpace(value) != "" {
		return "", fmt.Errorf("both %s and %s_FILE are set: keep one", name, name)
	}
	return readSecretFile(name+"_FILE", strings.TrimSpace(file))
}

// resolve fills the settings whose defaults depend on others: the
// embeddings endpoint follows the chat endpoint unless set on its own. The
// chat key goes to the embeddings endpoint only when that is the chat
// endpoint's host: a key is never sent where it was not meant to go.
func (c *config) resolve() {
	if c.EmbedKey == "" && (c.EmbedBaseURL == "" || sameHost(c.EmbedBaseURL, c.OpenAIBaseURL)) {
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
	c.LogLevel = strings.ToLower(c.LogLevel)
}

// sameHost reports whether two endpoint URLs name the same scheme, host
// and port; "" is OpenAI's own endpoint.
func sameHost(a, b string) bool {
	origin := func(s string) string {
		if strings.TrimSpace(s) == "" {
			s = "https://api.openai.com/v1"
		}
		u, err := url.Parse(strings.TrimSpace(s))
		if err != nil || u.Host == "" {
			return "invalid:" + s
		}
		port := u.Port()
		if port == "" {
			port = map[string]string{"http": "80", "https": "443"}[strings.ToLower(u.Scheme)]
		}
		return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Hostname()) + ":" + port
	}
	return origin(a) == origin(b)
}

// orDefault returns v without surrounding white space, or def when v is
// blank. Unlike cmp.Or it treats a value of spaces as unset, as a setting
// from a file, the environment or a flag should be.
func orDefault(v, def string) string {
	if strings.TrimSpace(v) == "" {
		return def
	}
	return strings.TrimSpace(v)
}
