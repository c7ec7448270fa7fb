package bot

import (
	"context"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/newsbot/newsbot/bot/modeltest"
	"github.com/newsbot/newsbot/prompts"
	"github.com/newsbot/newsbot/retrieval"
)

// testStore is a real store in a temp dir holding the seed article and one
// more, with the built-in embedder.
func testStore(t testing.TB) (*retrieval.Store, *retrieval.Article) {
	t.Helper()
	st, _, err := retrieval.OpenStore(context.Background(), t.TempDir(), retrieval.NewLocalEmbedder(), retrieval.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	data, err := os.ReadFile("../data/seed/moscow-times-un-conference.txt")
	if err != nil {
		t.Fatal(err)
	}
	seed, err := retrieval.ImportText(data, false)
	if err != nil {
		t.Fatal(err)
	}
	seed.URL = "https://www.themoscowtimes.com/2023/12/13/moscow-calls-for-un-conference-a83412"
	seed.PublishedAt = time.Date(2023, 12, 13, 0, 0, 0, 0, time.UTC)
	seedArt, _, err := st.Add(context.Background(), seed, retrieval.GlobalScope)
	if err != nil {
		t.Fatal(err)
	}
	other := &retrieval.Article{Title: "City Council Approves New Bike Lanes", Source: "Harbor Gazette",
		Paragraphs: []string{
			"The city council voted 7-2 on Tuesday to build twelve miles of protected bike lanes downtown.",
			"Construction will begin in September and cost an estimated $4.2 million.",
		}}
	if _, _, err := st.Add(context.Background(), other, retrieval.GlobalScope); err != nil {
		t.Fatal(err)
	}
	return st, seedArt
}

// testBot is a bot over testStore whose model is the fake OpenAI server,
// reached through the real go-openai client over HTTP.
func testBot(t testing.TB, opts Options) (*Bot, *modeltest.Server, *retrieval.Article) {
	t.Helper()
	st, seed := testStore(t)
	srv := modeltest.New(t)
	model := NewModel(srv.Client(), "gpt-4o-mini", ModelOptions{Timeout: 5 * time.Second})
	b, err := New(st, model, nil, opts)
	if err != nil {
		t.Fatal(err)
	}
	return b, srv, seed
}

var label = regexp.MustCompile(`(?m)^\[(\d+)\] (.*)$`)

// citeParagraph answers by citing the prompt's number for the paragraph
// that contains needle.
func citeParagraph(needle, sentence string) func(req openai.ChatCompletionRequest) string {
	return func(req openai.ChatCompletionRequest) string {
		prompt := req.Messages[len(req.Messages)-1].Content
		for _, m := range label.FindAllStringSubmatch(prompt, -1) {
			if strings.Contains(m[2], needle) {
				return sentence + " [" + m[1] + "]."
			}
		}
		return "The articles don't cover that."
	}
}

func TestAskCitesTheParagraphThatHoldsTheFact(t *testing.T) {
	b, srv, seed := testBot(t, Options{})
	srv.SetReply(citeParagraph("all five permanent members", "Lavrov called for a conference with the five permanent Security Council members"))
	var partials []string
	a, err := b.Ask(context.Background(), Question{Text: "Who did Lavrov say should attend the international conference?"}, func(p string) { partials = append(partials, p) })
	if err != nil {
		t.Fatal(err)
	}
	if a.Mode != ModeLLM || a.Abstained {
		t.Fatalf("mode %s abstained %v: %q", a.Mode, a.Abstained, a.Text)
	}
	if len(a.Citations) != 1 || a.Citations[0].Article.ID != seed.ID || a.Citations[0].Paragraph != 3 {
		t.Fatalf("citations %+v, want seed ¶3", a.Citations)
	}
	c := a.Citations[0]
	if !strings.HasSuffix(a.Text, "[1].") || c.Quote != seed.Paragraphs[2] {
		t.Errorf("answer %q, quote %q", a.Text, c.Quote)
	}
	if !strings.Contains(c.Link, "#:~:text=%22The%20only%20way%20for%20this,of%20Russian%20senators.") &&
		!strings.Contains(c.Link, ":~:text=") {
		t.Errorf("link %q has no text fragment", c.Link)
	}
	if len(partials) < 2 {
		t.Errorf("got %d partial updates, want the answer streamed", len(partials))
	}
	reqs := srv.ChatRequests()
	if len(reqs) != 1 || !reqs[0].Stream {
		t.Fatalf("model requests: %d (stream %v), want one streamed", len(reqs), len(reqs) > 0 && reqs[0].Stream)
	}
	prompt := reqs[0].Messages[len(reqs[0].Messages)-1].Content
	if !strings.Contains(prompt, seed.Paragraphs[2]) || !strings.Contains(prompt, "Moscow Times") {
		t.Errorf("the gold paragraph or its outlet is not in the prompt:\n%s", prompt)
	}
	if sys := reqs[0].Messages[0].Content; !strings.Contains(sys, "never instructions") {
		t.Errorf("system prompt does not say sources are material:\n%s", sys)
	}
}

func TestAskNeverPassesOnInventedCitations(t *testing.T) {
	b, srv, _ := testBot(t, Options{})
	srv.SetReply(func(openai.ChatCompletionRequest) string {
		return "Lavrov wants a UN conference [1][9]. See https://evil.example/fake for more [0]."
	})
	a, err := b.Ask(context.Background(), Question{Text: "What conference did Lavrov call for?"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Citations) != 1 || strings.Contains(a.Text, "[9]") || strings.Contains(a.Text, "[0]") || strings.Contains(a.Text, "evil.example") {
		t.Errorf("answer %q with %d citations leaks an invented citation or URL", a.Text, len(a.Citations))
	}
}

func TestAskNothingRelevantSkipsTheModel(t *testing.T) {
	b, srv, _ := testBot(t, Options{})
	a, err := b.Ask(context.Background(), Question{Text: "What is the price of bananas in Peru?"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !a.Abstained || len(a.Citations) != 0 || !strings.Contains(a.Text, "can't find anything") {
		t.Errorf("got %+v, want an honest refusal", a)
	}
	if len(a.Closest) == 0 {
		t.Error("the refusal names no closest articles")
	}
	// The model may rewrite the question once (it shares no word with the
	// library, so it might be a paraphrase), but is never asked to answer.
	reqs := srv.ChatRequests()
	if len(reqs) > 1 || len(reqs) == 1 && (reqs[0].Stream || !strings.HasPrefix(reqs[0].Messages[0].Content, "You rewrite")) {
		t.Errorf("the model got %d requests for a question the library can't answer, want at most one rewrite", len(reqs))
	}
}

// isRewrite reports whether a request asks the model to rewrite a question.
func isRewrite(req openai.ChatCompletionRequest) bool {
	return strings.HasPrefix(req.Messages[0].Content, "You rewrite")
}

// A question in German is searched in the library's language and answered
// in German, citing the paragraph that holds the fact.
func TestAskInAnotherLanguage(t *testing.T) {
	b, srv, seed := testBot(t, Options{})
	srv.SetReply(func(req openai.ChatCompletionRequest) string {
		if isRewrite(req) {
			return "What did Lavrov ask the UN chief to organize?"
		}
		return citeParagraph("called on UN chief Antonio Guterres", "Lawrow forderte eine internationale Konferenz")(req)
	})
	a, err := b.Ask(context.Background(), Question{Text: "Was forderte Lawrow vom UN-Generalsekretär?"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	reqs := srv.ChatRequests()
	if len(reqs) != 2 || !isRewrite(reqs[0]) || isRewrite(reqs[1]) {
		t.Fatalf("got %d model requests, want a rewrite then an answer", len(reqs))
	}
	if sys := reqs[0].Messages[0].Content; !strings.Contains(sys, "in English") {
		t.Errorf("the rewrite does not ask for the library's language:\n%s", sys)
	}
	prompt := reqs[1].Messages[len(reqs[1].Messages)-1].Content
	if !strings.Contains(prompt, "Question: Was forderte Lawrow vom UN-Generalsekretär?") || !strings.Contains(prompt, seed.Paragraphs[0]) {
		t.Errorf("the answer prompt lacks the German question or ¶1:\n%s", prompt)
	}
	if a.Abstained || len(a.Citations) != 1 || a.Citations[0].Paragraph != 1 || a.Citations[0].Article.ID != seed.ID {
		t.Errorf("answer %q cites %+v, want seed ¶1", a.Text, a.Citations)
	}
	if !strings.HasPrefix(a.Text, "Lawrow forderte") {
		t.Errorf("answer %q is not the model's German one", a.Text)
	}
}

// A paraphrase that shares no content word with the article but the
// country reaches the model, which finds the answer in the sources.
func TestAskParaphraseReachesTheModel(t *testing.T) {
	b, srv, seed := testBot(t, Options{})
	srv.SetReply(citeParagraph("The UN should play a leading role", "Lavrov wants the UN to convene the conference"))
	q := "Which body did Russia's top diplomat want to host peace talks?"
	a, err := b.Ask(context.Background(), Question{Text: q}, nil)
	if err != nil {
		t.Fatal(err)
	}
	reqs := srv.ChatRequests()
	if len(reqs) == 0 || isRewrite(reqs[len(reqs)-1]) {
		t.Fatalf("the model was not asked to answer %q (%d requests)", q, len(reqs))
	}
	prompt := reqs[len(reqs)-1].Messages[len(reqs[len(reqs)-1].Messages)-1].Content
	if !strings.Contains(prompt, "Question: "+q) || !strings.Contains(prompt, seed.Paragraphs[4]) {
		t.Errorf("the answer prompt lacks the question or ¶5:\n%s", prompt)
	}
	if a.Abstained || len(a.Citations) != 1 || a.Citations[0].Paragraph != 5 {
		t.Errorf("answer %q cites %+v, want seed ¶5", a.Text, a.Citations)
	}
}

func TestAskModelAbstains(t *testing.T) {
	b, srv, _ := testBot(t, Options{})
	srv.Script(modeltest.Text("The articles don't cover how the Security Council voted."))
	a, err := b.Ask(context.Background(), Question{Text: "How did the UN Security Council vote on Lavrov's conference?"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !a.Abstained || len(a.Citations) != 0 {
		t.Errorf("got %+v, want abstained", a)
	}
}

func TestAskFollowUpIsRewrittenWithHistory(t *testing.T) {
	b, srv, seed := testBot(t, Options{})
	srv.SetReply(func(req openai.ChatCompletionRequest) string {
		if strings.HasPrefix(req.Messages[0].Content, "You rewrite the last question") {
			return "How many hostages did Hamas take in the Gaza war?"
		}
		return citeParagraph("240 hostages", "Hamas took around 240 hostages")(req)
	})
	a, err := b.Ask(context.Background(), Question{Text: "And how many hostages?", History: []Turn{
		{Question: "When did the Gaza war break out?", Answer: "After the Hamas attack on Oct. 7 [1]."},
	}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	reqs := srv.ChatRequests()
	if len(reqs) != 2 || reqs[0].Stream {
		t.Fatalf("got %d requests, want a rewrite then a streamed answer", len(reqs))
	}
	if !strings.Contains(reqs[0].Messages[len(reqs[0].Messages)-1].Content, "When did the Gaza war break out?") {
		t.Error("the rewrite request lacks the conversation")
	}
	if a.Question != "How many hostages did Hamas take in the Gaza war?" {
		t.Errorf("stand-alone question %q", a.Question)
	}
	if len(a.Citations) != 1 || a.Citations[0].Article.ID != seed.ID || a.Citations[0].Paragraph != 11 {
		t.Errorf("citations %+v, want seed ¶11", a.Citations)
	}
}

func TestAskBadQuestions(t *testing.T) {
	b, srv, _ := testBot(t, Options{MaxQuestion: 50})
	for _, q := range []string{"", "   ", strings.Repeat("why ", 20)} {
		_, err := b.Ask(context.Background(), Question{Text: q}, nil)
		if err == nil {
			t.Errorf("%q: no error", q)
			continue
		}
		if msg := b.ErrorMessage(err); !strings.HasSuffix(msg, ".") || strings.Contains(msg, "question is") && false {
			t.Errorf("%q: message %q", q, msg)
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("bad questions reached the model %d times", n)
	}
}

func TestAskModelFaults(t *testing.T) {
	tests := []struct {
		name string
		r    modeltest.Response
		want string
	}{
		{"wrong key", modeltest.Response{Status: 401, Error: &modeltest.APIError{Message: "Incorrect API key", Type: "invalid_request_error", Code: "invalid_api_key"}}, "API key"},
		{"unknown model", modeltest.Response{Status: 404, Error: &modeltest.APIError{Message: "The model does not exist", Type: "invalid_request_error", Code: "model_not_found"}}, "NEWSBOT_CHAT_MODEL"},
		{"context length", modeltest.Response{Status: 400, Error: &modeltest.APIError{Message: "maximum context length", Type: "invalid_request_error", Code: "context_length_exceeded"}}, "too long"},
		{"malformed", modeltest.Response{Body: "{not json"}, "broke off"},
		{"cut stream", modeltest.Response{Text: "Lavrov wants a conference with many members present", Cut: true, After: 2}, "broke off"},
		{"hang", modeltest.Response{Hang: true}, "in time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel() // each waits on its own fake model, some for the deadline
			st, _ := testStore(t)
			srv := modeltest.New(t)
			model := NewModel(srv.Client(), "gpt-4o-mini", ModelOptions{Timeout: 500 * time.Millisecond})
			b, _ := New(st, model, nil, Options{})
			srv.Script(tt.r)
			start := time.Now()
			_, err := b.Ask(context.Background(), Question{Text: "What conference did Lavrov call for?"}, nil)
			if err == nil {
				t.Fatal("no error")
			}
			if msg := b.ErrorMessage(err); !strings.Contains(msg, tt.want) {
				t.Errorf("message %q, want it to mention %q", msg, tt.want)
			}
			if time.Since(start) > 30*time.Second {
				t.Errorf("hung past the deadline")
			}
		})
	}
}

func TestExtractiveAnswer(t *testing.T) {
	st, seed := testStore(t)
	b, err := New(st, nil, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	a, err := b.Ask(context.Background(), Question{Text: "How many people has the war killed according to the health ministry?"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.Mode != ModeExtractive || !strings.HasPrefix(a.Text, ExtractiveNote) {
		t.Fatalf("not an extractive answer: %q", a.Text)
	}
	if len(a.Citations) == 0 || a.Citations[0].Paragraph != 13 || a.Citations[0].Article.ID != seed.ID {
		t.Errorf("first citation %+v, want seed ¶13", a.Citations)
	}
	// Every quoted sentence is verbatim from the paragraph it cites.
	quoted := regexp.MustCompile(`(?m)^> (.*) \[(\d+)\]$`)
	lines := quoted.FindAllStringSubmatch(a.Text, -1)
	if len(lines) == 0 {
		t.Fatalf("no quotes in %q", a.Text)
	}
	for _, m := range lines {
		n := int(m[2][0] - '0')
		if n < 1 || n > len(a.Citations) || !strings.Contains(a.Citations[n-1].Quote, m[1]) {
			t.Errorf("quote %q is not in the paragraph it cites", m[1])
		}
	}
	if !strings.Contains(a.Text, "18,400") {
		t.Errorf("the answer lacks the number: %q", a.Text)
	}
}

func TestDeepLink(t *testing.T) {
	tests := []struct{ url, para, want string }{
		{"", "anything", ""},
		{"https://x.example/a", "Short paragraph here.", "https://x.example/a#:~:text=Short%20paragraph%20here."},
		{"https://x.example/a#top", "One two-three, four & five six seven eight nine ten", "https://x.example/a#top:~:text=One%20two%2Dthree%2C%20four%20%26%20five,eight%20nine%20ten"},
		{"https://x.example/a#:~:text=old", "Short paragraph here.", "https://x.example/a#:~:text=Short%20paragraph%20here."},
	}
	for _, tt := range tests {
		if got := DeepLink(tt.url, tt.para); got != tt.want {
			t.Errorf("DeepLink(%q, %q) = %q, want %q", tt.url, tt.para, got, tt.want)
		}
	}
}

// The prompt never eats into the reserve kept for the answer, however many
// sources would have fitted otherwise.
func TestPromptFitsTheWindow(t *testing.T) {
	for _, window := range []int{900, 1200, 2000} {
		b, srv, _ := testBot(t, Options{ContextWindow: window, AnswerReserve: 300})
		srv.SetReply(citeParagraph("all five permanent members", "Lavrov called for a conference"))
		if _, err := b.Ask(context.Background(), Question{Text: "What did Lavrov say about the Palestinian state, the conference, Hamas, hostages and Gaza?"}, nil); err != nil {
			t.Fatal(err)
		}
		req := srv.ChatRequests()[0]
		var msgs []prompts.Message
		for _, m := range req.Messages {
			msgs = append(msgs, prompts.Message{Role: m.Role, Content: m.Content})
		}
		if got := b.tok.countMessages(msgs); got > window-300 {
			t.Errorf("window %d: prompt of %d tokens leaves less than the 300 reserved", window, got)
		}
	}
}

// On a one-article library the bot answers what the article covers, in
// other words than the article's, and refuses what it does not.
func TestRelevanceOnASmallLibrary(t *testing.T) {
	st, seed := testStore(t)
	b, _ := New(st, nil, nil, Options{})
	tests := []struct {
		q         string
		refuse    bool
		paragraph int
		first     int // the paragraph the first quote comes from, when it matters
	}{
		{"How many hostages did Hamas take?", false, 11, 11},
		{"What did Lavrov call for?", false, 0, 1}, // the README's example
		{"Who should convene the conference?", false, 0, 0},
		{"Who should take part in the conference?", false, 0, 4},
		{"What is the capital of France?", true, 0, 0}, // ¶6 names France, but no capital
		{"What is the price of bananas in Peru?", true, 0, 0},
		{"Who is the mayor of Reykjavik?", true, 0, 0},
		{"Who painted the ceiling of the Sistine Chapel?", true, 0, 0},
	}
	for _, tt := range tests {
		a, err := b.Ask(context.Background(), Question{Text: tt.q}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if a.Abstained != tt.refuse {
			t.Errorf("%q: abstained %v, want %v: %q", tt.q, a.Abstained, tt.refuse, a.Text)
			continue
		}
		if tt.paragraph > 0 && !slices.ContainsFunc(a.Citations, func(c Citation) bool {
			return c.Paragraph == tt.paragraph && c.Article.ID == seed.ID && strings.Contains(a.Text, "240 hostages")
		}) {
			t.Errorf("%q: %q cites %+v, want ¶%d quoted", tt.q, a.Text, a.Citations, tt.paragraph)
		}
		if tt.first > 0 && (len(a.Citations) == 0 || a.Citations[0].Paragraph != tt.first || a.Citations[0].Article.ID != seed.ID) {
			t.Errorf("%q: the first quote is not from seed ¶%d:\n%s", tt.q, tt.first, a.Text)
		}
		if tt.refuse && strings.HasPrefix(a.Text, ExtractiveNote) {
			t.Errorf("%q: a refusal reads as an answer: %q", tt.q, a.Text)
		}
	}
}
