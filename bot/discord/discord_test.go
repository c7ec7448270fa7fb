package discord_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	openai "github.com/sashabaranov/go-openai"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/bot/discord"
	"github.com/newsbot/newsbot/bot/discord/discordtest"
	"github.com/newsbot/newsbot/bot/modeltest"
	"github.com/newsbot/newsbot/retrieval"
	"github.com/newsbot/newsbot/retrieval/fetch"
)

const (
	guildA  = "100000000000000001"
	guildB  = "100000000000000002"
	channel = "200000000000000001"
	userID  = "300000000000000001"
)

// env is a whole newsbot in front of a fake Discord: the real discordgo
// session over HTTP and a websocket, the real core and store, and the real
// go-openai client against a fake model server.
type env struct {
	t       testing.TB
	discord *discordtest.Server
	model   *modeltest.Server
	store   *retrieval.Store
	bot     *discord.Bot
	core    *bot.Bot
	seed    *retrieval.Article
}

// newEnv starts a fake Discord and model and a bot over the seed library;
// setup, if given, adjusts the adapter's options once the core exists.
func newEnv(t testing.TB, opts discord.Options, setup ...func(*bot.Bot, *discord.Options)) *env {
	t.Helper()
	return newEnvModel(t, true, opts, setup...)
}

// newEnvModel is newEnv with the fake model as the core's chat model, or,
// withModel false, no chat model (extractive answers).
func newEnvModel(t testing.TB, withModel bool, opts discord.Options, setup ...func(*bot.Bot, *discord.Options)) *env {
	t.Helper()
	return newEnvWith(t, withModel, nil, opts, setup...)
}

// newEnvWith is newEnvModel with options for the fake Discord.
func newEnvWith(t testing.TB, withModel bool, fake []discordtest.Option, opts discord.Options, setup ...func(*bot.Bot, *discord.Options)) *env {
	t.Helper()
	e, _ := newEnvLibrary(t, withModel, fake, "", nil, opts, setup...)
	return e
}

// newEnvArticles is newEnv whose library also holds arts in scope (see
// openSeeded); it returns them as stored.
func newEnvArticles(t testing.TB, scope string, arts []*retrieval.Article) (*env, []*retrieval.Article) {
	t.Helper()
	return newEnvLibrary(t, true, nil, scope, arts, discord.Options{})
}

// newEnvLibrary is newEnvWith over a library that also holds extra in
// scope, returned as stored.
func newEnvLibrary(t testing.TB, withModel bool, fake []discordtest.Option, scope string, extra []*retrieval.Article, opts discord.Options, setup ...func(*bot.Bot, *discord.Options)) (*env, []*retrieval.Article) {
	t.Helper()
	e := &env{t: t}
	e.discord = discordtest.New(t, append([]discordtest.Option{discordtest.WithGuild(guildA, "Guild A"), discordtest.WithGuild(guildB, "Guild B")}, fake...)...)
	e.discord.AddChannel(&discordgo.Channel{ID: channel, GuildID: guildA, Type: discordgo.ChannelTypeGuildText, Name: "news"})
	e.model = modeltest.New(t)
	st, seed, stored := openSeeded(t, scope, extra)
	e.store, e.seed = st, seed
	// The model's default deadline: tests run side by side on a busy
	// machine, and none of them is about the deadline.
	var model *bot.Model
	if withModel {
		model = bot.NewModel(e.model.Client(), "gpt-4o-mini", bot.ModelOptions{})
	}
	core, err := bot.New(st, model, fetch.NewClient(fetch.Options{AllowPrivate: true}), bot.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e.core = core
	for _, f := range setup {
		f(core, &opts)
	}
	if opts.EditInterval == 0 {
		opts.EditInterval = 50 * time.Millisecond
	}
	e.discord.Session(t, func(s *discordgo.Session) { e.bot = discord.New(s, core, opts) })
	if err := e.bot.Register(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.checkNoMentions)
	return e, stored
}

// seedFolder is the files of a data folder whose library holds the seed
// article, imported, embedded and indexed once per test binary: doing that
// again for each of the many tests cost more than writing these few files.
// Each test opens a copy of its own (openSeeded), as most add, load or
// forget articles.
var seedFolder = sync.OnceValues(func() (map[string][]byte, error) {
	data, err := os.ReadFile("../../data/seed/moscow-times-un-conference.txt")
	if err != nil {
		return nil, err
	}
	seed, err := retrieval.ImportText(data, false)
	if err != nil {
		return nil, err
	}
	seed.URL = "https://www.themoscowtimes.com/2023/12/13/moscow-calls-for-un-conference-a83412"
	dir, err := os.MkdirTemp("", "newsbot-seed-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	st, _, err := retrieval.OpenStore(ctx, dir, retrieval.NewLocalEmbedder(), retrieval.StoreOptions{})
	if err != nil {
		return nil, err
	}
	_, _, err = st.Add(ctx, seed, retrieval.GlobalScope)
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	// The articles and their index; the folder's lock and owner files
	// belong to the process that held it.
	files := map[string][]byte{}
	for _, sub := range []string{"articles", "index"} {
		err := filepath.WalkDir(filepath.Join(dir, sub), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, err := filepath.Rel(dir, path)
			if err != nil {
				return err
			}
			files[rel], err = os.ReadFile(path)
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	return files, nil
})

// openSeeded opens a store over a copy of seedFolder in a folder of t's,
// closed when t ends, and returns it with the seed article. extra articles
// join the library in scope as article files written before the store
// opens, which indexes them in one batch (an Add each makes a bleve
// segment per article, merged again and again); each gets an id made of
// its title and a load time a second after the one before, and is
// returned as stored.
func openSeeded(t testing.TB, scope string, extra []*retrieval.Article) (*retrieval.Store, *retrieval.Article, []*retrieval.Article) {
	t.Helper()
	files, err := seedFolder()
	if err != nil {
		t.Fatalf("build the seed library: %v", err)
	}
	dir := t.TempDir()
	for rel, data := range files {
		path := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	loaded := time.Now().UTC().Truncate(time.Second).Add(-time.Duration(len(extra)) * time.Second)
	var ids []string
	for k, a := range extra {
		b := *a
		b.Scope = scope
		b.ID = articleID(b.Title)
		b.LoadedAt = loaded.Add(time.Duration(k) * time.Second)
		data, err := retrieval.MarshalArticle(&b)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "articles", b.ID+".md"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, b.ID)
	}
	st, _, err := retrieval.OpenStore(context.Background(), dir, retrieval.NewLocalEmbedder(), retrieval.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if n := st.Len(); n != 1+len(extra) {
		t.Fatalf("the library holds %d articles, want the seed and %d more", n, len(extra))
	}
	arts := st.List(retrieval.GlobalScope)
	if len(arts) != 1 {
		t.Fatalf("the shared library holds %d articles, want the seed", len(arts))
	}
	var stored []*retrieval.Article
	for _, id := range ids {
		a, err := st.Get(id)
		if err != nil {
			t.Fatal(err)
		}
		stored = append(stored, a)
	}
	return st, arts[0], stored
}

// articleID makes an article id of a title: its words, lowercase and
// dash-separated, within the 120 characters ids may have.
func articleID(title string) string {
	id := strings.Join(strings.FieldsFunc(strings.ToLower(title), func(r rune) bool {
		return !('a' <= r && r <= 'z' || '0' <= r && r <= '9')
	}), "-")
	return strings.TrimRight(id[:min(len(id), 100)], "-")
}

// ctx bounds a wait on the fakes; it is long because it only keeps a broken
// test from hanging, and tests share a busy machine.
func (e *env) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	e.t.Cleanup(cancel)
	return ctx
}

var label = regexp.MustCompile(`(?m)^\[(\d+)\] (.*)$`)

// cite makes the fake model answer with sentence, citing the prompt's
// number for the paragraph that contains needle.
func cite(needle, sentence string) func(openai.ChatCompletionRequest) string {
	return func(req openai.ChatCompletionRequest) string {
		for _, m := range label.FindAllStringSubmatch(req.Messages[len(req.Messages)-1].Content, -1) {
			if strings.Contains(m[2], needle) {
				return sentence + " [" + m[1] + "]."
			}
		}
		return "The articles don't cover that."
	}
}

// final waits for the interaction's answer to settle and returns the
// original message and the follow-ups.
func (e *env) final(token string) (*discordgo.Message, []*discordgo.Message) {
	e.t.Helper()
	ctx := e.ctx()
	// The bot counts the request in flight before it acknowledges it, so
	// once the acknowledgement arrived, idle means answered.
	if _, err := e.discord.WaitFor(ctx, func(r discordtest.Request) bool {
		return r.Is("POST", "/interactions/*/*/callback") && strings.Contains(r.Path, "/"+token+"/")
	}); err != nil {
		e.t.Fatalf("interaction %s was never acknowledged: %v", token, err)
	}
	e.waitIdle(ctx)
	m := e.discord.InteractionResponse(token)
	if m == nil || m.Content == "" || inProgress(m.Content) {
		e.t.Fatalf("no final answer for interaction %s: %+v; requests: %v", token, m, e.discord.Requests())
	}
	return m, e.discord.Followups(token)
}

// inProgress reports whether a message still shows work in progress.
func inProgress(content string) bool {
	return strings.Contains(content, "_Writing…") || strings.Contains(content, "_Searching") || strings.Contains(content, "_Loading")
}

// waitIdle waits until the bot has finished every request it began.
func (e *env) waitIdle(ctx context.Context) {
	e.t.Helper()
	select {
	case <-e.bot.Idle():
	case <-ctx.Done():
		e.t.Fatalf("the bot is still busy: %v", ctx.Err())
	}
}

func (e *env) ask(guild, question string) *discordgo.Interaction {
	return e.discord.DispatchInteraction(discordtest.SlashCommand(guild, channel, userID, "ask", discordtest.Arg("question", question)))
}

func TestAskIsAcknowledgedFirstAndCitesTheParagraph(t *testing.T) {
	t.Parallel()
	e := newEnv(t, discord.Options{})
	e.model.SetReply(cite("all five permanent members", "Lavrov called for a conference with the five permanent Security Council members"))
	i := e.ask(guildA, "Who did Lavrov say should attend the international conference?")
	msg, _ := e.final(i.Token)

	ack, err := e.discord.WaitFor(e.ctx(), discordtest.Match("POST", "/interactions/*/*/callback"))
	if err != nil {
		t.Fatal(err)
	}
	if typ, _ := e.discord.InteractionResponseType(i.Token); typ != discordgo.InteractionResponseDeferredChannelMessageWithSource {
		t.Errorf("first response type %d, want a deferred reply", typ)
	}
	chats := e.model.Requests()
	if len(chats) == 0 || !ack.Time.Before(chats[0].Time) {
		t.Errorf("the model was called before the interaction was acknowledged")
	}
	if !strings.Contains(msg.Content, "Lavrov called for a conference with the five permanent Security Council members [1].") {
		t.Errorf("answer: %q", msg.Content)
	}
	if !strings.Contains(msg.Content, "¶3") || !strings.Contains(msg.Content, "Moscow Times") || !strings.Contains(msg.Content, ":~:text=") {
		t.Errorf("the sources list does not point at ¶3 with a deep link: %q", msg.Content)
	}
	if len(msg.Components) == 0 {
		t.Error("no Show quotes button")
	}
}

func TestEveryMessagePingsNobody(t *testing.T) {
	t.Parallel()
	e := newEnv(t, discord.Options{})
	e.model.SetReply(cite("all five permanent members", "@everyone <@&555> <@"+userID+"> Lavrov wants a conference"))
	i := e.ask(guildA, "What conference did Lavrov call for?")
	e.final(i.Token)
	m := e.dispatchMention("@everyone <@" + e.discord.BotUser().ID + "> what did Lavrov call for?")
	e.waitChannelAnswer(m)
	sent := e.discord.Filter(func(r discordtest.Request) bool {
		isMessage := strings.HasSuffix(r.Path, "/messages") || strings.Contains(r.Path, "/messages/") && !strings.HasSuffix(r.Path, "/threads") || strings.Contains(r.Path, "/webhooks/")
		return (r.Method == "POST" || r.Method == "PATCH") && isMessage && len(r.Body) > 0
	})
	if len(sent) < 2 {
		t.Fatalf("only %d messages sent", len(sent))
	}
	for _, r := range sent {
		var body struct {
			Content         string `json:"content"`
			AllowedMentions *struct {
				Parse []string `json:"parse"`
			} `json:"allowed_mentions"`
		}
		json.Unmarshal(r.Body, &body)
		if body.AllowedMentions == nil || body.AllowedMentions.Parse == nil || len(body.AllowedMentions.Parse) != 0 {
			t.Errorf("%s %s sent without allowed_mentions.parse = []: %s", r.Method, r.Path, r.Body)
		}
	}
	for _, m := range e.discord.ChannelMessages(channel) {
		if m.MentionEveryone || len(m.Mentions) > 0 || len(m.MentionRoles) > 0 {
			if m.Author != nil && m.Author.ID == e.discord.BotUser().ID {
				t.Errorf("bot message pinged: %q", m.Content)
			}
		}
	}
}

func (e *env) dispatchMention(content string) *discordgo.Message {
	return e.discord.DispatchMessage(discordtest.Message(guildA, channel, userID, content))
}

// waitChannelAnswer waits for the bot's final answer to a message, in the
// thread it opened or in the channel.
func (e *env) waitChannelAnswer(m *discordgo.Message) []*discordgo.Message {
	e.t.Helper()
	ctx := e.ctx()
	// The bot's first message answering m, in the thread it opened under m
	// (which has m's id) or as a reply to m, is sent while the request is
	// in flight; once it arrived, idle means answered.
	if _, err := e.discord.WaitFor(ctx, func(r discordtest.Request) bool {
		if !r.Is("POST", "/channels/*/messages") {
			return false
		}
		var body struct {
			Ref *struct {
				MessageID string `json:"message_id"`
			} `json:"message_reference"`
		}
		json.Unmarshal(r.Body, &body)
		return strings.HasPrefix(r.Path, "/channels/"+m.ID+"/") || body.Ref != nil && body.Ref.MessageID == m.ID
	}); err != nil {
		e.t.Fatalf("no answer to message %s: %v", m.ID, err)
	}
	e.waitIdle(ctx)
	for _, ch := range []string{m.ID, m.ChannelID} { // a thread started from a message has its id
		var mine []*discordgo.Message
		for _, x := range e.discord.ChannelMessages(ch) {
			inThread := ch == m.ID
			replies := x.MessageReference != nil && x.MessageReference.MessageID == m.ID
			if x.Author != nil && x.Author.ID == e.discord.BotUser().ID && (inThread || replies || len(mine) > 0) {
				mine = append(mine, x)
			}
		}
		if len(mine) > 0 && !inProgress(mine[0].Content) {
			return mine
		}
	}
	e.t.Fatalf("no final answer to message %s", m.ID)
	return nil
}

func TestMentionOpensThreadAndFollowUpUsesHistory(t *testing.T) {
	t.Parallel()
	e := newEnv(t, discord.Options{})
	e.model.SetReply(func(req openai.ChatCompletionRequest) string {
		if strings.HasPrefix(req.Messages[0].Content, "You rewrite the last question") {
			return "How many hostages did Hamas take in its attack on Israel?"
		}
		if strings.HasSuffix(req.Messages[len(req.Messages)-1].Content, "Question: When did the Gaza war break out?") {
			return cite("bloodiest-ever", "The war broke out when Hamas gunmen attacked Israel on Oct. 7")(req)
		}
		return cite("240 hostages", "Hamas took around 240 hostages")(req)
	})
	me := e.discord.BotUser().ID
	q := e.dispatchMention("<@" + me + "> When did the Gaza war break out?")
	first := e.waitChannelAnswer(q)
	if th := e.discord.Channel(q.ID); th == nil || !th.IsThread() {
		t.Fatalf("no thread was opened under the question")
	}
	if !strings.Contains(first[0].Content, "Oct. 7") {
		t.Errorf("first answer %q", first[0].Content)
	}
	// A follow-up in the thread, without a mention.
	e.discord.AddChannel(e.discord.Channel(q.ID))
	follow := e.discord.DispatchMessage(discordtest.Message(guildA, q.ID, userID, "And how many hostages did they take?"))
	e.waitChannelAnswer(follow)
	var second []*discordgo.Message
	for _, x := range e.discord.ChannelMessages(follow.ChannelID) {
		if x.Author != nil && x.Author.ID == me && !strings.Contains(x.Content, "_Writing") && !strings.Contains(x.Content, "_Searching") {
			second = append(second, x)
		}
	}
	if len(second) < 2 || !strings.Contains(second[len(second)-1].Content, "240 hostages") {
		for _, x := range second {
			t.Logf("bot said: %q", x.Content)
		}
		t.Fatalf("no follow-up answer about the hostages")
	}
	var rewrite *openai.ChatCompletionRequest
	for _, r := range e.model.ChatRequests() {
		if strings.HasPrefix(r.Messages[0].Content, "You rewrite the last question") {
			rewrite = &r
		}
	}
	if rewrite == nil || !strings.Contains(rewrite.Messages[len(rewrite.Messages)-1].Content, "When did the Gaza war break out?") {
		t.Errorf("the follow-up was not rewritten with the conversation")
	}
}

func TestAutocompleteAndQuotesButton(t *testing.T) {
	t.Parallel()
	// One article more than the 25 choices Discord shows: the cap is what
	// the count shows.
	var harbor []*retrieval.Article
	for n := range 26 {
		harbor = append(harbor, &retrieval.Article{Title: fmt.Sprintf("Harbor Report %02d", n), Source: "Harbor Gazette",
			Paragraphs: []string{fmt.Sprintf("Harbor traffic rose for the %d. time this year.", n)}})
	}
	e, _ := newEnvArticles(t, guildA, harbor)
	i := e.discord.DispatchInteraction(discordtest.Autocomplete(guildA, channel, userID, "ask", discordtest.Arg("question", "x"), discordtest.Focused("article", "harbor")))
	req, err := e.discord.WaitFor(e.ctx(), func(r discordtest.Request) bool {
		return r.Is("POST", "/interactions/*/*/callback") && strings.Contains(r.Path, i.ID)
	})
	if err != nil {
		t.Fatal(err)
	}
	var cb struct {
		Type int `json:"type"`
		Data struct {
			Choices []struct{ Name, Value string } `json:"choices"`
		} `json:"data"`
	}
	json.Unmarshal(req.Body, &cb)
	if cb.Type != 8 || len(cb.Data.Choices) != 25 || !strings.HasPrefix(cb.Data.Choices[0].Name, "Harbor Report") {
		t.Errorf("autocomplete: type %d with %d choices", cb.Type, len(cb.Data.Choices))
	}

	e.model.SetReply(cite("18,400 people", "The war has killed more than 18,400 people"))
	ask := e.ask(guildA, "How many people has the war killed?")
	msg, follow := e.final(ask.Token)
	last := msg
	if len(follow) > 0 {
		last = follow[len(follow)-1]
	}
	button := findButton(last.Components)
	if button == "" {
		t.Fatalf("no quotes button on %+v", last)
	}
	click := e.discord.DispatchInteraction(discordtest.ButtonClick(guildA, channel, userID, button, last))
	resp, err := e.discord.WaitFor(e.ctx(), func(r discordtest.Request) bool {
		return r.Is("POST", "/interactions/*/*/callback") && strings.Contains(r.Path, click.ID)
	})
	if err != nil {
		t.Fatal(err)
	}
	var q struct {
		Type int `json:"type"`
		Data struct {
			Content string `json:"content"`
			Flags   int    `json:"flags"`
		} `json:"data"`
	}
	json.Unmarshal(resp.Body, &q)
	if q.Type != 4 || q.Data.Flags&int(discordgo.MessageFlagsEphemeral) == 0 || !strings.Contains(q.Data.Content, "18,400 people, mostly women and children") {
		t.Errorf("quotes reply: %+v", q)
	}
}

func findButton(rows []discordgo.MessageComponent) string {
	for _, r := range rows {
		if row, ok := r.(*discordgo.ActionsRow); ok {
			for _, c := range row.Components {
				if b, ok := c.(*discordgo.Button); ok {
					return b.CustomID
				}
			}
		}
	}
	return ""
}

func TestLongAnswerArrivesSplitAndWhole(t *testing.T) {
	t.Parallel()
	e := newEnv(t, discord.Options{})
	var sentences []string
	for n := range 30 {
		sentences = append(sentences, fmt.Sprintf("Sentence number %02d says that Lavrov called for a lasting international conference on the conflict [1].", n))
	}
	long := strings.Join(sentences, " ")
	e.model.SetReply(func(openai.ChatCompletionRequest) string { return long })
	i := e.ask(guildA, "What conference did Lavrov call for?")
	msg, follow := e.final(i.Token)
	all := append([]*discordgo.Message{msg}, follow...)
	if len(all) < 2 {
		t.Fatalf("a %d-character answer arrived in one message", len(long))
	}
	var joined strings.Builder
	for _, m := range all {
		if n := len([]rune(m.Content)); n > 2000 {
			t.Errorf("message of %d characters", n)
		}
		joined.WriteString(m.Content + " ")
	}
	for _, s := range sentences {
		if !strings.Contains(joined.String(), s) {
			t.Errorf("lost or cut: %q", s)
		}
	}
	if !strings.Contains(all[len(all)-1].Content, "¶") {
		t.Error("the sources list is not at the end")
	}
}

func TestGuildNeverSeesAnotherGuildsArticles(t *testing.T) {
	t.Parallel()
	e := newEnv(t, discord.Options{})
	secret := &retrieval.Article{Title: "Secret Harbor Expansion Plan", Source: "Guild B Times",
		Paragraphs: []string{"The harbor authority plans to dredge the northern basin for container ships next spring."}}
	if _, _, err := e.store.Add(context.Background(), secret, guildB); err != nil {
		t.Fatal(err)
	}
	e.model.SetReply(cite("dredge the northern basin", "The harbor will be dredged"))
	i := e.ask(guildA, "When will the harbor authority dredge the northern basin?")
	msg, _ := e.final(i.Token)
	if strings.Contains(msg.Content, "Guild B Times") || strings.Contains(msg.Content, "dredged") {
		t.Errorf("guild A got guild B's article: %q", msg.Content)
	}
	for _, r := range e.model.ChatRequests() {
		if strings.Contains(r.Messages[len(r.Messages)-1].Content, "northern basin for container ships") {
			t.Error("guild B's paragraph was sent to the model for guild A")
		}
	}
	i = e.ask(guildB, "When will the harbor authority dredge the northern basin?")
	if msg, _ := e.final(i.Token); !strings.Contains(msg.Content, "Guild B Times") {
		t.Errorf("guild B can't see its own article: %q", msg.Content)
	}
}

func TestRateLimitedEditIsSurvived(t *testing.T) {
	t.Parallel()
	e := newEnv(t, discord.Options{})
	e.model.SetReply(cite("all five permanent members", "Lavrov wants the five permanent members there"))
	e.discord.RateLimitNext("PATCH", "/webhooks/*/*/messages/@original", 200*time.Millisecond, 2)
	i := e.ask(guildA, "Who should attend Lavrov's conference?")
	msg, _ := e.final(i.Token)
	if !strings.Contains(msg.Content, "five permanent members there [1]") {
		t.Errorf("answer after 429s: %q", msg.Content)
	}
	if n := len(e.discord.Filter(func(r discordtest.Request) bool { return r.Injected })); n != 2 {
		t.Errorf("%d 429s injected, want 2", n)
	}
}

func TestDroppedGatewayResumes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, discord.Options{})
	e.model.SetReply(cite("all five permanent members", "Lavrov wants the five permanent members there"))
	e.discord.DropConnection()
	if err := e.discord.WaitResumed(e.ctx()); err != nil {
		t.Fatal(err)
	}
	i := e.ask(guildA, "Who should attend Lavrov's conference?")
	if msg, _ := e.final(i.Token); !strings.Contains(msg.Content, "[1]") {
		t.Errorf("answer after resume: %q", msg.Content)
	}
}

func TestNothingRelevantAndErrorsAreOneSentence(t *testing.T) {
	t.Parallel()
	e := newEnv(t, discord.Options{})
	i := e.ask(guildA, "What is the price of bananas in Peru?")
	msg, _ := e.final(i.Token)
	// The model may rewrite a question that shares no word with the library
	// (it may be a paraphrase), but is never asked to answer it.
	reqs := e.model.ChatRequests()
	if !strings.Contains(msg.Content, "can't find anything about that") || len(reqs) > 1 || len(reqs) == 1 && reqs[0].Stream {
		t.Errorf("nothing-relevant answer %q (model called %d times)", msg.Content, len(reqs))
	}
	e.model.Script(modeltest.Response{Status: 401, Error: &modeltest.APIError{Message: "bad key", Type: "invalid_request_error", Code: "invalid_api_key"}})
	i = e.ask(guildA, "What conference did Lavrov call for?")
	if got := e.privateFailure(i); !strings.HasPrefix(got, "⚠️") || !strings.Contains(got, "API key") || strings.Contains(got, "status code") {
		t.Errorf("error message %q", got)
	}
}

func TestUserRateLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, discord.Options{RatePerMinute: 1, Burst: 1})
	e.model.SetReply(cite("all five permanent members", "Lavrov wants the five permanent members there"))
	first := e.ask(guildA, "Who should attend Lavrov's conference?")
	e.final(first.Token) // handlers run concurrently: let the first take the token
	second := e.ask(guildA, "And when?")
	resp, err := e.discord.WaitFor(e.ctx(), func(r discordtest.Request) bool {
		return r.Is("POST", "/interactions/*/*/callback") && strings.Contains(r.Path, second.ID)
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(resp.Body), "try again in") {
		t.Errorf("second question in a row: %s", resp.Body)
	}
}

func TestLoadNeedsPermissionAndLoads(t *testing.T) {
	t.Parallel()
	e := newEnv(t, discord.Options{AdminRoles: []string{"777"}})
	srvURL := servePage(t)
	// An ordinary member is refused.
	i := e.discord.DispatchInteraction(discordtest.SlashCommand(guildA, channel, userID, "load", discordtest.Arg("url", srvURL)))
	resp, _ := e.discord.WaitFor(e.ctx(), func(r discordtest.Request) bool {
		return r.Is("POST", "/interactions/*/*/callback") && strings.Contains(r.Path, i.ID)
	})
	if !strings.Contains(string(resp.Body), "Manage Server") {
		t.Errorf("ordinary member: %s", resp.Body)
	}
	// A member with the admin role loads it into guild A only.
	in := discordtest.SlashCommand(guildA, channel, userID, "load", discordtest.Arg("url", srvURL))
	in.Member.Roles = []string{"777"}
	i = e.discord.DispatchInteraction(in)
	msg, _ := e.final(i.Token)
	if !strings.Contains(msg.Content, "Added “Ferry Service Resumes” (Island Post, 4 paragraphs)") {
		t.Errorf("receipt %q", msg.Content)
	}
	if n := len(e.store.List(guildA)); n != 2 {
		t.Errorf("guild A sees %d articles, want 2", n)
	}
	if n := len(e.store.List(guildB)); n != 1 {
		t.Errorf("guild B sees %d articles, want 1", n)
	}
}

// askAtOnce sends n questions from n users at once, question(k) being the
// k-th, and returns the interactions and when each was dispatched.
func (e *env) askAtOnce(n int, question func(k int) string) ([]*discordgo.Interaction, []time.Time) {
	var wg sync.WaitGroup
	sent := make([]*discordgo.Interaction, n)
	start := make([]time.Time, n)
	for k := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start[k] = time.Now()
			sent[k] = e.discord.DispatchInteraction(discordtest.SlashCommand(guildA, channel, fmt.Sprint(400+k), "ask", discordtest.Arg("question", question(k))))
		}()
	}
	wg.Wait()
	return sent, start
}

// ackOf waits for the acknowledgement of i.
func (e *env) ackOf(i *discordgo.Interaction) (discordtest.Request, error) {
	return e.discord.WaitFor(e.ctx(), func(r discordtest.Request) bool {
		return r.Is("POST", "/interactions/*/*/callback") && strings.Contains(r.Path, i.ID)
	})
}

// With 50 questions arriving at once, every one is acknowledged before the
// model hears it, and every one is answered. (BenchmarkAckLatency measures
// how long the acknowledgements take.)
func TestAckLatencyUnderLoad(t *testing.T) {
	t.Parallel()
	e := newEnv(t, discord.Options{RatePerMinute: 6000, Burst: 100, EditInterval: time.Second})
	e.model.SetReply(cite("all five permanent members", "Lavrov wants the five permanent members there"))
	const n = 50
	tag := func(k int) string { return fmt.Sprintf("(question %d)", k) }
	sent, _ := e.askAtOnce(n, func(k int) string { return "Who should attend Lavrov's conference? " + tag(k) })
	acks := make([]discordtest.Request, n)
	for k, i := range sent {
		r, err := e.ackOf(i)
		if err != nil {
			t.Fatalf("question %d never acknowledged: %v", k, err)
		}
		acks[k] = r
	}
	for k, i := range sent {
		if msg, _ := e.final(i.Token); !strings.Contains(msg.Content, "[1]") {
			t.Errorf("question %d: answer %q", k, msg.Content)
		}
	}
	for k := range sent {
		heard := false
		for _, r := range e.model.Requests() {
			if r.Chat == nil || !strings.Contains(r.Chat.Messages[len(r.Chat.Messages)-1].Content, tag(k)) {
				continue
			}
			heard = true
			if r.Time.Before(acks[k].Time) {
				t.Errorf("question %d reached the model before it was acknowledged", k)
			}
		}
		if !heard {
			t.Errorf("question %d never reached the model", k)
		}
	}
}

// BenchmarkAckLatency measures the time from INTERACTION_CREATE to the
// deferred acknowledgement, for one question at a time and for 50 arriving
// at once, and counts the REST calls per answer.
func BenchmarkAckLatency(b *testing.B) {
	for _, n := range []int{1, 50} {
		b.Run(fmt.Sprintf("questions=%d", n), func(b *testing.B) {
			e := newEnv(b, discord.Options{RatePerMinute: 1e6, Burst: 1 << 20, EditInterval: time.Second})
			e.model.SetReply(cite("all five permanent members", "Lavrov wants the five permanent members there"))
			var lat []time.Duration
			answers := 0
			for b.Loop() {
				sent, start := e.askAtOnce(n, func(int) string { return "Who should attend Lavrov's conference?" })
				for k, i := range sent {
					r, err := e.ackOf(i)
					if err != nil {
						b.Fatalf("question %d never acknowledged: %v", k, err)
					}
					lat = append(lat, r.Time.Sub(start[k]))
				}
				for _, i := range sent {
					e.final(i.Token)
				}
				answers += n
			}
			slices.Sort(lat)
			ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
			b.ReportMetric(ms(lat[len(lat)/2]), "p50-ack-ms")
			b.ReportMetric(ms(lat[len(lat)*9/10]), "p90-ack-ms")
			b.ReportMetric(ms(lat[len(lat)-1]), "max-ack-ms")
			rest := len(e.discord.Filter(func(r discordtest.Request) bool {
				return strings.HasPrefix(r.Path, "/interactions/") || strings.HasPrefix(r.Path, "/webhooks/")
			}))
			b.ReportMetric(float64(rest)/float64(answers), "REST-calls/answer")
		})
	}
}

// servePage serves a small article page on 127.0.0.1 and returns its URL.
func servePage(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><html><head><title>Ferry Service Resumes | Island Post</title>
<meta property="og:site_name" content="Island Post"></head><body><article><h1>Ferry Service Resumes</h1>
<p>The island ferry resumed service on Friday after three weeks of repairs to its engine, the operator said.</p>
<p>Passengers who bought tickets for cancelled crossings can claim a refund until the end of the month.</p>
<p>The operator said a second boat would join the route in the spring, doubling the number of daily crossings.</p>
<p>Local shops, which lost most of their summer trade while the ferry was out of service, welcomed the news on Friday morning.</p>
</article></body></html>`)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/ferry"
}

// A server follows a feed with /feed add; the poller loads its new items
// into that server's library and announces them in the chosen channel.
func TestFeedAddPollAnnounce(t *testing.T) {
	t.Parallel()
	var feeds *bot.Feeds
	e := newEnv(t, discord.Options{}, func(core *bot.Bot, opts *discord.Options) {
		var err error
		if feeds, err = bot.OpenFeeds(filepath.Join(t.TempDir(), "feeds.json"), core, bot.FeedOptions{}); err != nil {
			t.Fatal(err)
		}
		opts.Feeds = feeds
	})
	page := servePage(t)
	feedSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Island Post</title><link>%[1]s</link>
<item><title>Ferry Service Resumes</title><link>%[1]s</link><guid>ferry-1</guid><pubDate>Fri, 21 Nov 2025 08:00:00 GMT</pubDate></item>
</channel></rss>`, page)
	}))
	defer feedSrv.Close()

	in := discordtest.SlashCommand(guildA, channel, userID, "feed", discordtest.Subcommand("add", discordtest.Arg("url", feedSrv.URL)))
	in.Member.Permissions |= discordgo.PermissionManageGuild
	i := e.discord.DispatchInteraction(in)
	msg, _ := e.final(i.Token)
	if !strings.Contains(msg.Content, "Following “Island Post”") {
		t.Fatalf("feed add: %q", msg.Content)
	}
	if subs, err := feeds.List(context.Background(), guildA); err != nil || len(subs) != 1 || subs[0].Channel != channel {
		t.Fatalf("subscriptions: %+v", subs)
	}
	if err := feeds.PollOnce(context.Background(), e.bot); err != nil {
		t.Fatal(err)
	}
	var announced bool
	for _, m := range e.discord.ChannelMessages(channel) {
		if strings.Contains(m.Content, "New from Island Post") && strings.Contains(m.Content, "Ferry Service Resumes") {
			announced = true
		}
	}
	if !announced {
		t.Error("the new article was not announced")
	}
	if n := len(e.store.List(guildA)); n != 2 {
		t.Errorf("guild A library has %d articles, want the seed and the feed item", n)
	}
	if n := len(e.store.List(guildB)); n != 1 {
		t.Errorf("guild B library has %d articles, want only the seed", n)
	}
	// A second poll loads nothing twice.
	if err := feeds.PollOnce(context.Background(), e.bot); err != nil {
		t.Fatal(err)
	}
	if n := len(e.store.List(guildA)); n != 2 {
		t.Errorf("after a second poll guild A has %d articles", n)
	}
}

// crashingAnnouncer posts and then fails as a process would that died
// between the send and its record.
type crashingAnnouncer struct{ *discord.Bot }

func (c crashingAnnouncer) Announce(ctx context.Context, p bot.AnnouncementPost) (string, error) {
	if _, err := c.Bot.Announce(ctx, p); err != nil {
		return "", err
	}
	return "", errors.New("the process died before it recorded the message")
}

// An announcement posted by an attempt that died before recording it is
// posted once: within minutes Discord's nonce makes the second send the
// first message, and later the next attempt finds the message in the
// channel.
func TestFeedAnnouncementAfterACrash(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		window time.Duration
	}{{"within the nonce's window", 5 * time.Minute}, {"past the nonce's window", 0}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var feeds *bot.Feeds
			e := newEnvWith(t, false, []discordtest.Option{discordtest.WithNonceWindow(tc.window)}, discord.Options{}, func(core *bot.Bot, opts *discord.Options) {
				var err error
				if feeds, err = bot.OpenFeeds(filepath.Join(t.TempDir(), "feeds.json"), core, bot.FeedOptions{}); err != nil {
					t.Fatal(err)
				}
				opts.Feeds = feeds
			})
			page := servePage(t)
			feedSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/rss+xml")
				fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Island Post</title><link>%[1]s</link>
<item><title>Ferry Service Resumes</title><link>%[1]s</link><guid>ferry-1</guid><pubDate>Fri, 21 Nov 2025 08:00:00 GMT</pubDate></item>
</channel></rss>`, page)
			}))
			defer feedSrv.Close()
			ctx := context.Background()
			if _, err := feeds.Follow(ctx, feedSrv.URL, guildA, channel, userID); err != nil {
				t.Fatal(err)
			}
			if err := feeds.PollOnce(ctx, crashingAnnouncer{e.bot}); err == nil {
				t.Fatal("the crashed attempt reported no error")
			}
			for range 2 {
				if err := feeds.PollOnce(ctx, e.bot); err != nil {
					t.Fatal(err)
				}
			}
			n := 0
			for _, m := range e.discord.ChannelMessages(channel) {
				if strings.Contains(m.Content, "New from Island Post") && strings.Contains(m.Content, "Ferry Service Resumes") {
					n++
				}
			}
			if n != 1 {
				t.Errorf("the article was announced %d times, want once", n)
			}
		})
	}
}

func TestContextMenuSummarizeArticlesForget(t *testing.T) {
	t.Parallel()
	e := newEnv(t, discord.Options{})
	e.model.SetReply(cite("18,400 people", "The war has killed more than 18,400 people"))
	target := e.discord.DispatchMessage(discordtest.Message(guildA, channel, userID, "Apparently the Gaza war has killed 18,400 people?"))
	i := e.discord.DispatchInteraction(discordtest.MessageCommand(guildA, channel, userID, "Ask newsbot about this", target))
	if msg, _ := e.final(i.Token); !strings.Contains(msg.Content, "18,400 people [1]") {
		t.Errorf("context menu answer: %q", msg.Content)
	}

	e.model.Script(modeltest.Text("- Lavrov called for a UN conference [3]."))
	i = e.discord.DispatchInteraction(discordtest.SlashCommand(guildA, channel, userID, "summarize", discordtest.Subcommand("article", discordtest.Arg("article", e.seed.ID))))
	if msg, _ := e.final(i.Token); !strings.Contains(msg.Content, "Lavrov called for a UN conference [1]") || !strings.Contains(msg.Content, "¶3") {
		t.Errorf("summary: %q", msg.Content)
	}

	local := &retrieval.Article{Title: "Guild Ferry Notice", Source: "Guild Post", Paragraphs: []string{"The ferry timetable changes on Monday."}}
	if _, _, err := e.store.Add(context.Background(), local, guildA); err != nil {
		t.Fatal(err)
	}
	i = e.discord.DispatchInteraction(discordtest.SlashCommand(guildA, channel, userID, "articles"))
	msg, _ := e.final(i.Token)
	if !strings.Contains(msg.Content, "2 articles") || !strings.Contains(msg.Content, "Guild Ferry Notice") || !strings.Contains(msg.Content, "shared") {
		t.Errorf("articles: %q", msg.Content)
	}
	in := discordtest.SlashCommand(guildA, channel, userID, "forget", discordtest.Arg("article", "ferry notice"))
	in.Member.Permissions |= discordgo.PermissionManageGuild
	i = e.discord.DispatchInteraction(in)
	if msg, _ := e.final(i.Token); !strings.Contains(msg.Content, "Removed “Guild Ferry Notice”") {
		t.Errorf("forget: %q", msg.Content)
	}
	in = discordtest.SlashCommand(guildA, channel, userID, "forget", discordtest.Arg("article", e.seed.ID))
	in.Member.Permissions |= discordgo.PermissionManageGuild
	i = e.discord.DispatchInteraction(in)
	if msg, _ := e.final(i.Token); !strings.Contains(msg.Content, "shared library") {
		t.Errorf("forgetting a shared article: %q", msg.Content)
	}
}

// Stopping the bot waits for the answers in flight before it disconnects.
// The wait is as long as this file's other waits (env.ctx): on a starved
// machine the streamed answer took over 15 s to finish, and the test
// asserts that shutdown waits, not how fast the machine is.
func TestShutdownFinishesAnswersInFlight(t *testing.T) {
	t.Parallel()
	e := newEnv(t, discord.Options{ShutdownWait: 90 * time.Second})
	e.model.Script(modeltest.Response{Text: "Lavrov wants a conference of the five permanent members [1].", ChunkDelay: 100 * time.Millisecond})
	i := e.ask(guildA, "Who should attend Lavrov's conference?")
	if _, err := e.discord.WaitFor(e.ctx(), func(r discordtest.Request) bool {
		return r.Is("POST", "/interactions/*/*/callback") && strings.Contains(r.Path, i.ID)
	}); err != nil {
		t.Fatal(err)
	}
	e.bot.Shutdown()
	msg := e.discord.InteractionResponse(i.Token)
	if msg == nil || !strings.Contains(msg.Content, "five permanent members [1]") || !strings.Contains(msg.Content, "¶") {
		t.Errorf("after shutdown the answer is %+v, want it complete", msg)
	}
}

// A malformed interaction (a command without data, which makes discordgo
// panic) is answered with an apology, not silence, and the bot keeps going.
func TestPanicIsAnsweredWithAnApology(t *testing.T) {
	t.Parallel()
	e := newEnv(t, discord.Options{})
	e.discord.Dispatch("INTERACTION_CREATE", map[string]any{
		"id": "900000000000000001", "application_id": e.discord.ApplicationID(), "type": 2, "token": "broken-token",
		"guild_id": guildA, "channel_id": channel, "version": 1,
		"member": map[string]any{"user": map[string]any{"id": userID, "username": "u"}, "permissions": "0", "roles": []string{}},
	})
	resp, err := e.discord.WaitFor(e.ctx(), func(r discordtest.Request) bool {
		return r.Is("POST", "/interactions/*/*/callback") && strings.Contains(r.Path, "900000000000000001")
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(resp.Body), "Sorry") {
		t.Errorf("reply to a panicking interaction: %s", resp.Body)
	}
	e.model.SetReply(cite("all five permanent members", "Lavrov wants the five permanent members there"))
	i := e.ask(guildA, "Who should attend Lavrov's conference?")
	if msg, _ := e.final(i.Token); !strings.Contains(msg.Content, "[1]") {
		t.Errorf("after the panic: %q", msg.Content)
	}
}

// logBuffer collects a bot's log lines; handlers write from many goroutines.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// A progress edit that fails is logged once and the answer still arrives
// whole; editing goes on after a server error and stops when Discord says
// the message can't be edited.
func TestFailedProgressEditIsLoggedOnce(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		status   int
		failures int
		goesOn   bool
	}{
		{"server errors", http.StatusInternalServerError, 2, true},
		{"unknown message", http.StatusNotFound, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			logs := &logBuffer{}
			e := newEnv(t, discord.Options{Logger: slog.New(slog.NewTextHandler(logs, nil))})
			answer := "Lavrov wants a conference of the five permanent members of the Security Council, held under the auspices of the United Nations, to settle the war [1]."
			e.model.Script(modeltest.Response{Text: answer, ChunkDelay: 50 * time.Millisecond})
			const edit = "/webhooks/*/*/messages/@original"
			e.discord.FailNext("PATCH", edit, tt.status, tt.failures)
			i := e.ask(guildA, "Who should attend Lavrov's conference?")
			msg, _ := e.final(i.Token)
			if !strings.Contains(msg.Content, "to settle the war [1]") || !strings.Contains(msg.Content, "¶") {
				t.Errorf("answer after failed edits: %q", msg.Content)
			}
			if n := strings.Count(logs.String(), "could not show the answer's progress"); n != 1 {
				t.Errorf("the failed edits were logged %d times, want once:\n%s", n, logs)
			}
			edits := e.discord.Filter(discordtest.Match("PATCH", edit))
			after := 0
			for k, r := range edits {
				if r.Injected {
					after = len(edits) - k - 1
				}
			}
			// The last edit is the final answer; any before it are progress.
			if tt.goesOn && after < 2 {
				t.Errorf("%d edits after the failures, want progress edits to go on", after)
			}
			if !tt.goesOn && after != 1 {
				t.Errorf("%d edits after a 404, want only the final answer", after)
			}
		})
	}
}
