package bot

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/newsbot/newsbot/bot/modeltest"
	"github.com/newsbot/newsbot/retrieval"
)

// neuralBot is a bot whose chat model and embedder are both the fake
// server, reached through the real go-openai client, over a library of
// the seed article. The server's embeddings know the synonyms given, as a
// neural model knows paraphrases.
func neuralBot(t *testing.T, synonyms ...[]string) (*Bot, *modeltest.Server, *retrieval.Article) {
	t.Helper()
	ctx := context.Background()
	srv := modeltest.New(t)
	srv.SetDimensions(256)
	srv.SetSynonyms(synonyms...)
	emb, err := retrieval.NewOpenAIEmbedder(ctx, srv.Client(), "text-embedding-3-small", 256, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	st, _, err := retrieval.OpenStore(ctx, t.TempDir(), emb, retrieval.StoreOptions{})
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
	seed, _, err = st.Add(ctx, seed, retrieval.GlobalScope)
	if err != nil {
		t.Fatal(err)
	}
	model := NewModel(srv.Client(), "gpt-4o-mini", ModelOptions{Timeout: 5 * time.Second})
	// The fake's vectors are bags of words, where a paraphrase of a long
	// paragraph scores lower than with a real model: the bar is set for them.
	b, err := New(st, model, nil, Options{MinSimilarity: 0.45})
	if err != nil {
		t.Fatal(err)
	}
	return b, srv, seed
}

// With a neural embedder a question that shares no word with the library
// bears on the paragraph its vector is near: the model is asked to answer
// straight away, without the rewrite a question of no shared word needs
// with the built-in embedder. A question near nothing is still refused.
func TestAskWithANeuralEmbedderUsesSimilarity(t *testing.T) {
	const q = "Which global body ought to arrange the summit?" // no word of it is in the seed article
	synonyms := [][]string{{"un", "body"}, {"role", "global"}, {"convening", "arrange"}, {"event", "summit"}, {"should", "ought"}}
	b, srv, seed := neuralBot(t, synonyms...)
	srv.SetReply(func(req openai.ChatCompletionRequest) string {
		if isRewrite(req) {
			t.Errorf("the model was asked to rewrite %q", q)
			return q
		}
		return citeParagraph("The UN should play a leading role", "The UN should convene it")(req)
	})
	hits, err := b.store.Search(context.Background(), retrieval.Query{Text: q, K: 8})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) == 0 || hits[0].Paragraph != 5 || hits[0].Similarity < b.opts.MinSimilarity {
		t.Fatalf("the question's vector is not nearest ¶5: %+v", hits)
	}
	a, err := b.Ask(context.Background(), Question{Text: q}, nil)
	if err != nil {
		t.Fatal(err)
	}
	reqs := srv.ChatRequests()
	if len(reqs) != 1 {
		t.Fatalf("got %d model requests, want one answer", len(reqs))
	}
	if prompt := reqs[0].Messages[len(reqs[0].Messages)-1].Content; !strings.Contains(prompt, seed.Paragraphs[4]) {
		t.Errorf("the answer prompt lacks ¶5:\n%s", prompt)
	}
	if a.Abstained || len(a.Citations) != 1 || a.Citations[0].Paragraph != 5 {
		t.Errorf("answer %q cites %+v, want ¶5", a.Text, a.Citations)
	}

	// The same question with the built-in embedder finds no bearing and
	// spends a rewrite.
	lex, lsrv, _ := testBot(t, Options{})
	lsrv.SetReply(func(req openai.ChatCompletionRequest) string { return q })
	if _, err := lex.Ask(context.Background(), Question{Text: q}, nil); err != nil {
		t.Fatal(err)
	}
	if reqs := lsrv.ChatRequests(); len(reqs) == 0 || !isRewrite(reqs[0]) {
		t.Errorf("with the built-in embedder the question was not rewritten first (%d requests)", len(reqs))
	}

	off, osrv, _ := neuralBot(t, synonyms...)
	osrv.SetReply(func(req openai.ChatCompletionRequest) string { return "What is the price of bananas in Peru?" })
	a, err = off.Ask(context.Background(), Question{Text: "What is the price of bananas in Peru?"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !a.Abstained || len(a.Citations) != 0 {
		t.Errorf("an off-topic question was answered: %q", a.Text)
	}
	for _, r := range osrv.ChatRequests() {
		if !isRewrite(r) {
			t.Errorf("the model was asked to answer an off-topic question")
		}
	}
}
