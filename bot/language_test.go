package bot

import (
	"context"
	"strings"
	"testing"

	"github.com/newsbot/newsbot/bot/modeltest"
)

// A language chosen by the asker's server or client reaches the model's
// instructions for answers and summaries; without one the model answers in
// the question's language.
func TestLanguageReachesTheModel(t *testing.T) {
	t.Parallel()
	b, srv, seed := testBot(t, Options{})
	srv.SetReply(citeParagraph("all five permanent members", "Lawrow will die fünf ständigen Mitglieder"))
	if _, err := b.Ask(context.Background(), Question{Text: "Who should attend Lavrov's conference?", Scope: GlobalScope, Language: "German"}, nil); err != nil {
		t.Fatal(err)
	}
	srv.Script(modeltest.Text("- Lawrow fordert eine Konferenz [3]."))
	if _, err := b.Summarize(context.Background(), SummaryRequest{Article: seed.ID, Scope: GlobalScope, Language: "German"}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Ask(context.Background(), Question{Text: "Who should attend Lavrov's conference?", Scope: GlobalScope}, nil); err != nil {
		t.Fatal(err)
	}
	reqs := srv.ChatRequests()
	if len(reqs) != 3 {
		t.Fatalf("the model was called %d times, want 3", len(reqs))
	}
	for i, want := range []string{"Answer in German.", "Write in German.", "Answer in the language of the question."} {
		if sys := reqs[i].Messages[0].Content; !strings.Contains(sys, want) {
			t.Errorf("request %d: system prompt lacks %q:\n%s", i, want, sys)
		}
	}
}
