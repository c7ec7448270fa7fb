package retrieval

import (
	"context"
	"testing"
)

// A lexical query finds paragraphs by BM25 without asking the embedder,
// so it never waits on an embeddings server.
func TestLexicalQueryDoesNotEmbed(t *testing.T) {
	t.Parallel()
	emb := &countingEmbedder{Embedder: NewLocalEmbedder()}
	st := openTestStore(t, t.TempDir(), emb)
	addAll(t, st, GlobalScope, testArticles())
	before := emb.texts.Load()
	hits, err := st.Search(context.Background(), Query{Text: "reservoir watering", K: 3, Lexical: true})
	if err != nil {
		t.Fatal(err)
	}
	if n := emb.texts.Load() - before; n != 0 {
		t.Errorf("a lexical query embedded %d texts, want none", n)
	}
	if len(hits) == 0 || hits[0].Article.Title != "Drought Forces Water Restrictions in Valley Towns" {
		t.Fatalf("lexical hits: %+v", hits)
	}
	if _, err := st.Search(context.Background(), Query{Text: "reservoir watering", K: 3}); err != nil {
		t.Fatal(err)
	}
	if emb.texts.Load() == before {
		t.Error("the default query did not embed: the test proves nothing")
	}
}
