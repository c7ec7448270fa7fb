package discord_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/bot/discord"
	"github.com/newsbot/newsbot/bot/discord/discordtest"
	"github.com/newsbot/newsbot/retrieval"
)

// emptyCore is a core over an empty library, for tests that never get as
// far as a question.
func emptyCore(t *testing.T) *bot.Bot {
	t.Helper()
	st, _, err := retrieval.OpenStore(context.Background(), t.TempDir(), retrieval.NewLocalEmbedder(), retrieval.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	core, err := bot.New(st, nil, nil, bot.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return core
}

// closedAddr is a loopback address where nothing listens.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// Every reason serve cannot connect is one line that names the address it
// dialled: never the HTML page another server answered, never discord.com
// when the session was pointed elsewhere.
func TestConnectErrors(t *testing.T) {
	htmlPage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusBadGateway)
		w.Write([]byte("<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n<body><h1>Bad Gateway</h1><p>nginx</p></body></html>\n"))
	}))
	t.Cleanup(htmlPage.Close)
	jsonAPI := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`{"message": "404: Not Found", "code": 0}`))
	}))
	t.Cleanup(jsonAPI.Close)
	deadGateway := closedAddr(t)
	noGateway := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"url": "ws://` + deadGateway + `"}`))
	}))
	t.Cleanup(noGateway.Close)
	refused := "http://" + closedAddr(t)

	tests := []struct {
		name  string
		api   string
		token string
		want  []string
	}{
		{"an HTML error page", htmlPage.URL, "t", []string{"cannot connect to Discord at " + htmlPage.URL + ": GET /api/v9/gateway answered 502 Bad Gateway with an HTML page, not Discord's API"}},
		{"nothing listening", refused, "t", []string{"cannot connect to Discord at " + refused + ": connection refused"}},
		{"another JSON API", jsonAPI.URL, "t", []string{"cannot connect to Discord at " + jsonAPI.URL, "404 Not Found"}},
		{"a gateway that is not there", noGateway.URL, "t", []string{"cannot connect to Discord's gateway at " + deadGateway, "connection refused"}},
		{"a refused token", "", "wrong", []string{"Discord refused the bot token: check DISCORD_TOKEN"}},
		{"a refused intent", "intents", "", []string{"Discord refused the Message Content intent"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := tt.api
			token := tt.token
			switch api {
			case "":
				api = discordtest.New(t, discordtest.WithToken("right")).URL()
			case "intents":
				fake := discordtest.New(t, discordtest.WithDisallowedIntents(discordgo.IntentMessageContent))
				api, token = fake.URL(), fake.Token()
			}
			u, _ := url.Parse(api)
			s, err := discord.NewSession(token, u)
			if err != nil {
				t.Fatal(err)
			}
			s.ShouldReconnectOnError = false
			d := discord.New(s, emptyCore(t), discord.Options{ShutdownWait: time.Second})
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			err = d.Run(ctx)
			if err == nil {
				t.Fatal("connected")
			}
			msg := err.Error()
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("got %q, want it to contain %q", msg, w)
				}
			}
			if strings.ContainsAny(msg, "\n<>") || (tt.api != "" && strings.Contains(msg, "discord.com")) {
				t.Errorf("not one clean line naming the host dialled: %q", msg)
			}
		})
	}
}
