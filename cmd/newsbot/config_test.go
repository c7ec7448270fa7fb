package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/newsbot/newsbot/bot/modeltest"
)

func writeFile(t testing.TB, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestConfigPrecedence(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := writeFile(t, dir, "newsbot.toml", `
data_dir = "/srv/from-file"
chat_model = "file-model"
answer_timeout = "90s"
allow_private_urls = true
admin_roles = [111, "222"]
log_level = "debug"
`)
	env := map[string]string{"NEWSBOT_CHAT_MODEL": "env-model", "NEWSBOT_DATA_DIR": "/srv/from-env"}
	flags := configFlags{file: file, values: map[string]string{"data_dir": "/srv/from-flag"}, names: map[string]string{"data_dir": "data"}}
	c, err := loadConfig(envOf(env), flags)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"flag wins over env and file", c.DataDir, "/srv/from-flag"},
		{"env wins over file", c.ChatModel, "env-model"},
		{"file wins over default", c.AnswerTimeout, 90 * time.Second},
		{"file bool", c.AllowPrivateURLs, true},
		{"file list of numbers and strings", strings.Join(c.AdminRoles, ","), "111,222"},
		{"default when nothing sets it", c.FeedInterval, 15 * time.Minute},
		{"default url", c.DiscordAPIURL, "https://discord.com"},
		{"derived embedder", c.EmbedModel, "local"},
		{"file named", c.file, file},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}

func TestConfigYAMLAndSecretFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tokenFile := writeFile(t, dir, "token", "  file-token\n")
	keyFile := writeFile(t, dir, "key", "sk-from-file\n")
	file := writeFile(t, dir, "newsbot.yaml", "discord_token_file: "+tokenFile+"\nopenai_base_url: http://127.0.0.1:1/v1\nfeed_interval: 5m\n")
	c, err := loadConfig(envOf(map[string]string{"OPENAI_API_KEY_FILE": keyFile}), configFlags{file: file})
	if err != nil {
		t.Fatal(err)
	}
	if c.DiscordToken != "file-token" || c.OpenAIKey != "sk-from-file" || c.EmbedKey != "sk-from-file" || c.FeedInterval != 5*time.Minute {
		t.Errorf("got token %q, key %q, embed key %q, interval %v", c.DiscordToken, c.OpenAIKey, c.EmbedKey, c.FeedInterval)
	}
	// The environment's token wins over the file's token file.
	c, err = loadConfig(envOf(map[string]string{"DISCORD_TOKEN": "env-token"}), configFlags{file: file})
	if err != nil || c.DiscordToken != "env-token" {
		t.Errorf("got %q, %v; want the environment's token", c.DiscordToken, err)
	}
}

// The shards serve runs come from the file or, first, the environment.
func TestConfigShards(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	flags := configFlags{file: writeFile(t, dir, "newsbot.toml", `shards = "0-1/4"`)}
	c, err := loadConfig(envOf(nil), flags)
	if err != nil || c.Shards != "0-1/4" {
		t.Errorf("from the file: %q, %v", c.Shards, err)
	}
	c, err = loadConfig(envOf(map[string]string{"NEWSBOT_SHARDS": "auto"}), flags)
	if err != nil || c.Shards != "auto" {
		t.Errorf("from the environment: %q, %v", c.Shards, err)
	}
}

// Every mistake is refused at start, naming the key (or variable) and,
// for a file, the file.
func TestConfigRefusesMistakes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		name string
		file string // TOML, "" for none
		env  map[string]string
		want string
	}{
		{"unknown key", `chat_modle = "x"`, nil, `newsbot.toml: unknown key "chat_modle" (did you mean "chat_model"?)`},
		{"unknown key far from any", `colour = "red"`, nil, `unknown key "colour"`},
		{"nested table", "[discord]\ntoken = \"x\"", nil, `unknown key "discord.token"`},
		{"bad duration in file", `answer_timeout = "soon"`, nil, `answer_timeout in ` + filepath.Join(dir, "newsbot.toml") + ` must be a duration`},
		{"number for a duration", `answer_timeout = 60`, nil, "answer_timeout in"},
		{"too short interval", `feed_interval = "10s"`, nil, "feed_interval in"},
		{"bad bool in file", `allow_private_urls = "maybe"`, nil, "allow_private_urls in"},
		{"bad url in file", `openai_base_url = "localhost:11434"`, nil, "openai_base_url in"},
		{"bad guild id", `discord_guild_id = "my server"`, nil, "discord_guild_id in"},
		{"bad role id", `admin_roles = ["mods"]`, nil, `"mods" is not a Discord id`},
		{"bad log level", `log_level = "loud"`, nil, "log_level in"},
		{"list for a string", `chat_model = ["a", "b"]`, nil, "chat_model in"},
		{"syntax error", "chat_model = ", nil, "not valid TOML at line 1"},
		{"key and key file", "discord_token = \"a\"\ndiscord_token_file = \"/x\"", nil, "both discord_token and discord_token_file"},
		{"missing secret file", `openai_api_key_file = "/no/such/key"`, nil, "openai_api_key_file in"},
		{"shard past the count", `shards = "0-4/4"`, nil, `shards in ` + filepath.Join(dir, "newsbot.toml") + ` must be shard ids and their count, such as 0-1/4 or 3/4 (each id below the count), or auto, not "0-4/4"`},
		{"shards without a count", "", map[string]string{"NEWSBOT_SHARDS": "2"}, `NEWSBOT_SHARDS must be shard ids and their count, such as 0-1/4 or 3/4 (each id below the count), or auto, not "2"`},
		{"bad duration in env", "", map[string]string{"NEWSBOT_ANSWER_TIMEOUT": "soon"}, `NEWSBOT_ANSWER_TIMEOUT must be a duration of at least 1s, such as 60s, not "soon"`},
		{"bad bool in env", "", map[string]string{"NEWSBOT_ALLOW_PRIVATE_URLS": "yes please"}, "NEWSBOT_ALLOW_PRIVATE_URLS must be true or false"},
		{"bad url in env", "", map[string]string{"NEWSBOT_DISCORD_API_URL": "discord.com"}, "NEWSBOT_DISCORD_API_URL must be an http(s) address"},
		{"bad listen address in env", "", map[string]string{"NEWSBOT_HTTP_ADDR": "9090"}, `NEWSBOT_HTTP_ADDR must be an address to listen on such as 127.0.0.1:9090 or :9090, not "9090"`},
		{"bad listen address in file", `http_addr = "localhost:metrics"`, nil, `http_addr in ` + filepath.Join(dir, "newsbot.toml") + ` must be an address to listen on`},
		{"env and env file", "", map[string]string{"DISCORD_TOKEN": "a", "DISCORD_TOKEN_FILE": "/x"}, "both DISCORD_TOKEN and DISCORD_TOKEN_FILE"},
		{"empty secret file", "", map[string]string{"OPENAI_API_KEY_FILE": writeFile(t, dir, "empty", "\n")}, "OPENAI_API_KEY_FILE: " + filepath.Join(dir, "empty") + " is empty"},
		{"missing named file", "", map[string]string{"NEWSBOT_CONFIG": "/no/such/newsbot.toml"}, "NEWSBOT_CONFIG: /no/such/newsbot.toml does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var flags configFlags
			if tt.file != "" {
				flags.file = writeFile(t, dir, "newsbot.toml", tt.file)
			}
			_, err := loadConfig(envOf(tt.env), flags)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %q, want it to contain %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("not one line: %q", err)
			}
		})
	}
}

func TestConfigFileFound(t *testing.T) {
	data := t.TempDir()
	writeFile(t, data, "newsbot.yaml", "chat_model: from-data-folder\n")
	c, err := loadConfig(envOf(map[string]string{"NEWSBOT_DATA_DIR": data}), configFlags{})
	if err != nil || c.ChatModel != "from-data-folder" {
		t.Errorf("config in the data folder: got %q, %v", c.ChatModel, err)
	}

	t.Chdir(t.TempDir())
	writeFile(t, ".", "newsbot.toml", `chat_model = "from-working-folder"`)
	c, err = loadConfig(envOf(map[string]string{"NEWSBOT_DATA_DIR": data}), configFlags{})
	if err != nil || c.ChatModel != "from-working-folder" || c.file != "newsbot.toml" {
		t.Errorf("config in the working folder: got %q from %q, %v", c.ChatModel, c.file, err)
	}
	writeFile(t, ".", "newsbot.yml", `chat_model: x`)
	if _, err := loadConfig(envOf(nil), configFlags{}); err == nil || !strings.Contains(err.Error(), "keep one config file") {
		t.Errorf("two config files: got %v", err)
	}
}

// The config file reaches the program: a model named only there answers
// the question, and the environment overrides it.
func TestConfigFileDrivesTheProgram(t *testing.T) {
	t.Parallel()
	model := modeltest.New(t)
	model.Script(modeltest.Text("Lavrov called for a UN conference [1]."), modeltest.Text("Lavrov called for a UN conference [1]."))
	c := seededCLI(t)
	writeFile(t, c.data, "newsbot.toml", "openai_base_url = \""+model.URL()+"\"\nchat_model = \"model-from-file\"\n")
	if out := c.mustRun("ask", "What did Lavrov call for?"); !strings.Contains(out, "UN conference") {
		t.Fatalf("ask: %q", out)
	}
	c.env["NEWSBOT_CHAT_MODEL"] = "model-from-env"
	c.mustRun("ask", "What did Lavrov call for?")
	reqs := model.ChatRequests()
	if len(reqs) != 2 || reqs[0].Model != "model-from-file" || reqs[1].Model != "model-from-env" {
		t.Errorf("models asked: %v", modelNames(reqs))
	}

	writeFile(t, c.data, "newsbot.toml", "chat_modle = \"x\"\n")
	_, _, err := c.run("articles")
	if err == nil || !strings.Contains(sentence(err), `unknown key "chat_modle"`) {
		t.Errorf("unknown key: got %v", err)
	}
}

// The README's configuration table lists every key with its environment
// variable, and nothing else.
func TestREADMEListsEveryKey(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(readme), "\n## Configuration\n")
	section, _, _ = strings.Cut(section, "\n## ")
	row := regexp.MustCompile("(?m)^\\| `([a-z_]+)` \\| `([A-Z_]+)`")
	documented := map[string]string{}
	for _, m := range row.FindAllStringSubmatch(section, -1) {
		documented[m[1]] = m[2]
	}
	for _, s := range settings {
		env, ok := documented[s.key]
		switch {
		case !ok:
			t.Errorf("README's configuration table lacks %s", s.key)
		case env != s.env:
			t.Errorf("README gives %s the variable %s, want %s", s.key, env, s.env)
		}
		delete(documented, s.key)
	}
	for k := range documented {
		t.Errorf("README documents %s, which is no setting", k)
	}
}

func modelNames(reqs []openai.ChatCompletionRequest) []string {
	var out []string
	for _, r := range reqs {
		out = append(out, r.Model)
	}
	return out
}

func TestUnknownVariables(t *testing.T) {
	t.Parallel()
	got := unknownVariables([]string{
		"NEWSBOT_CHAT_MODLE=x", "NEWSBOT_CHAT_MODEL=y", "NEWSBOT_DATA_DIR=/d", "DISCORD_TOKEN_FILE=/t",
		"NEWSBOT_EMBED_API_KEY_FILE=/k", "NEWSBOT_TEST_DATABASE_URL=postgres://", "NEWSBOT_CONFIG=/c",
		"NEWSBOT_COLOUR=red", "HOME=/root", "NEWSBOT_DISCORD_TOKEN=z",
	})
	want := []string{
		"ignoring NEWSBOT_CHAT_MODLE, which is no setting (did you mean NEWSBOT_CHAT_MODEL?)",
		"ignoring NEWSBOT_COLOUR, which is no setting",
		"ignoring NEWSBOT_DISCORD_TOKEN, which is no setting (did you mean DISCORD_TOKEN?)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
