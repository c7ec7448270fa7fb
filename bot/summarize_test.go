package bot

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/newsbot/newsbot/bot/modeltest"
	"github.com/newsbot/newsbot/retrieval"
)

func TestSummarizeArticleCitesParagraphNumbers(t *testing.T) {
	b, srv, seed := testBot(t, Options{})
	srv.Script(modeltest.Text("- Lavrov called for a UN conference with the five permanent members [3].\n- Hamas released three Russian citizens [9][99]."))
	a, err := b.Summarize(context.Background(), SummaryRequest{Article: "un conference"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Citations) != 2 || a.Citations[0].Paragraph != 3 || a.Citations[1].Paragraph != 9 || a.Citations[0].Article.ID != seed.ID {
		t.Fatalf("citations %+v, want ¶3 and ¶9 of the seed", a.Citations)
	}
	if strings.Contains(a.Text, "[99]") || !strings.Contains(a.Text, "[1]") || !strings.Contains(a.Text, "[2]") {
		t.Errorf("text %q: citations not renumbered or out-of-range kept", a.Text)
	}
	prompt := srv.ChatRequests()[0].Messages[1].Content
	for _, p := range seed.Paragraphs {
		if !strings.Contains(prompt, p[:40]) {
			t.Errorf("paragraph %q missing from the summary prompt", p[:40])
		}
	}
}

func TestSummarizeLongArticleInParts(t *testing.T) {
	b, srv, seed := testBot(t, Options{ContextWindow: 900, AnswerReserve: 200})
	srv.SetReply(func(req openai.ChatCompletionRequest) string {
		if strings.Contains(req.Messages[0].Content, "partial") || strings.Contains(req.Messages[1].Content, "Partial") {
			return "- Combined: Lavrov wants a conference [3] and the war has killed 18,400 [13]."
		}
		return "- A part summary [1]."
	})
	a, err := b.Summarize(context.Background(), SummaryRequest{Article: seed.ID}, nil)
	if err != nil {
		t.Fatal(err)
	}
	reqs := srv.ChatRequests()
	if len(reqs) < 3 {
		t.Fatalf("%d model requests, want at least two parts and a combination", len(reqs))
	}
	if last := reqs[len(reqs)-1]; !last.Stream {
		t.Error("the combined summary is not streamed")
	}
	if len(a.Citations) == 0 {
		t.Errorf("no citations in %q", a.Text)
	}
}

func TestSummarizeExtractive(t *testing.T) {
	st, seed := testStore(t)
	b, _ := New(st, nil, nil, Options{})
	a, err := b.Summarize(context.Background(), SummaryRequest{Article: "Israel Conflict"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.Mode != ModeExtractive || len(a.Citations) < 3 || a.Citations[0].Paragraph != 1 || a.Citations[0].Article.ID != seed.ID {
		t.Errorf("extractive summary %q with citations %+v, want the lead first", a.Text, a.Citations)
	}
}

func TestSummarizeTopicDigest(t *testing.T) {
	b, srv, _ := testBot(t, Options{})
	srv.SetReply(citeParagraph("18,400 people", "- The health ministry counts more than 18,400 dead"))
	a, err := b.Summarize(context.Background(), SummaryRequest{Topic: "Gaza war casualties"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Citations) != 1 || a.Citations[0].Paragraph != 13 {
		t.Errorf("digest citations %+v, want seed ¶13", a.Citations)
	}
	// A period with no articles is answered without the model.
	n := len(srv.ChatRequests())
	a, err = b.Summarize(context.Background(), SummaryRequest{Topic: "Gaza", Since: time.Now().Add(24 * time.Hour)}, nil)
	if err != nil || !a.Abstained || len(srv.ChatRequests()) != n {
		t.Errorf("empty period: %+v %v", a, err)
	}
}

func TestFindArticle(t *testing.T) {
	st, seed := testStore(t)
	b, _ := New(st, nil, nil, Options{})
	for _, ref := range []string{seed.ID, seed.URL, "un conference", "ISRAEL CONFLICT"} {
		if a, err := b.FindArticle(ref, retrieval.GlobalScope); err != nil || a.ID != seed.ID {
			t.Errorf("FindArticle(%q): %v %v", ref, a, err)
		}
	}
	if _, err := b.FindArticle("volcano", retrieval.GlobalScope); !errors.Is(err, retrieval.ErrNotFound) {
		t.Errorf("no match: got %v", err)
	}
	if _, err := b.FindArticle("c", retrieval.GlobalScope); !errors.Is(err, errAmbiguous) {
		t.Errorf("ambiguous: got %v", err)
	} else if msg := b.ErrorMessage(err); !strings.Contains(msg, "did you mean") {
		t.Errorf("ambiguous message %q", msg)
	}
}
