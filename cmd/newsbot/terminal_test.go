package main

import (
	"strings"
	"testing"

	"github.com/newsbot/newsbot/bot/modeltest"
)

// Errors in the terminal speak the terminal's language: commands, not
// slash commands; the setting to check by its key and variable, not "the
// bot's owner"; no log line before them at the default level.
func TestTerminalWording(t *testing.T) {
	t.Parallel()
	model := modeltest.New(t)
	c := seededCLI(t)
	tests := []struct {
		name  string
		env   map[string]string
		args  []string
		want  string
		avoid []string
	}{
		{"unknown article", nil, []string{"summarize", "no such headline"},
			"I can't find that article in the library — check the name with `newsbot articles`.", []string{"/articles"}},
		{"empty question", nil, []string{"ask", " "},
			"The question is empty — put it after the command, in quotes.", []string{"message"}},
		{"refused key", map[string]string{"OPENAI_BASE_URL": model.URL(), "OPENAI_API_KEY": "sk-wrong"}, []string{"ask", "What did Lavrov call for?"},
			"The model server at " + model.URL() + " refused the API key — check openai_api_key (OPENAI_API_KEY), or run `newsbot doctor`.", []string{"bot's owner"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			model.Script(modeltest.Unauthorized())
			for k, v := range tt.env {
				c.env[k] = v
			}
			t.Cleanup(func() {
				for k := range tt.env {
					delete(c.env, k)
				}
			})
			_, stderr, err := c.run(tt.args...)
			if err == nil {
				t.Fatal("no error")
			}
			if got := sentence(err); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
			for _, a := range append(tt.avoid, "level=INFO") {
				if strings.Contains(sentence(err)+stderr, a) {
					t.Errorf("%q in the output:\n%s%s", a, stderr, sentence(err))
				}
			}
		})
	}
	// An explicit log level still shows the refusal's log line.
	c.env["NEWSBOT_LOG_LEVEL"] = "info"
	if _, stderr, _ := c.run("summarize", "no such headline"); !strings.Contains(stderr, `level=INFO msg="request refused"`) {
		t.Errorf("NEWSBOT_LOG_LEVEL=info: %q", stderr)
	}
}
