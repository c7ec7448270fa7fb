package bot

import (
	"cmp"
	"context"
	"math"
	"slices"
	"strings"

	"github.com/newsbot/newsbot/retrieval"
)

// Stories: a briefing groups the articles that arrived by the story they
// tell, so three outlets' reports of one council vote make one line, not
// three.
//
// Two articles tell the same story when their headlines and leads share
// rare words: the names of the people, places and organisations involved
// and the story's unusual nouns ("Lavrov", "desalination", "Kessel
// reservoir"). Each article is the set of its headline's and lead's terms
// (as the BM25 index analyzes them), each weighing its BM25 inverse
// document frequency among the library's paragraphs; two articles'
// similarity is the cosine of those vectors, so shared names count and
// shared common words ("said", "government", "week") hardly do. The
// frequencies are read against a background of priorParagraphs: in a new
// server's library of a few dozen articles a story's own names are in a
// good share of the paragraphs, and plain IDF would call them common.
// (Squaring the weights, as evidence.go does for a question's words, left
// the test news's four drought reports apart: it let each lead's own
// words outweigh the few names they share.)
//
// Headline and lead, not the whole text: they say what the story is
// about, while the body carries background and quotes that many stories
// share. BM25 itself was the alternative (each headline as a query against
// the others' leads), but its scores are not comparable across queries,
// so a threshold would mean something different for every article;
// cosine is symmetric and bounded. The built-in embedder is lexical and a
// neural one is optional, so vectors would add nothing reliable here.
//
// Articles are grouped by average-linkage agglomerative clustering: the
// two groups whose articles are most similar on average merge, until no
// two groups average storyThreshold. Average linkage, unlike single
// linkage, does not chain two stories through one article that mentions
// both.

// storyThreshold is the least average similarity of two groups of
// articles that are one story. In the test news, reports of one story by
// different outlets score 0.14 to 0.7, different stories at most 0.08; on
// the busiest days of newsbench 0.12 joins the same events told by CNN
// and USA Today, 0.16 splits some, and 0.08 joins unrelated stories (see
// newsbench_stories_test.go and the README). A variable, so that test can
// try others.
var storyThreshold = 0.12

// Story is the articles that tell one story, the newest first: a briefing
// tells a story's latest turn. Articles of one date come in order of how
// much their headlines and leads share with the others'.
type Story struct {
	Articles []*retrieval.Article
}

// storyDoc is an article as the clustering sees it.
type storyDoc struct {
	article *retrieval.Article
	terms   map[string]float64 // term → weight (storyWeight)
	norm    float64
}

// leadText is an article's headline and lead: its first paragraph, and the
// second when the first is short (a dateline, a one-line standfirst).
func leadText(a *retrieval.Article) string {
	parts := []string{a.Title}
	for i, p := range a.Paragraphs {
		parts = append(parts, p)
		if i == 1 || len(strings.Fields(p)) >= 25 {
			break
		}
	}
	return strings.Join(parts, "\n")
}

// groupStories clusters articles into stories, the biggest first (more
// outlets report what matters more), ties the newest first.
func (b *Bot) groupStories(ctx context.Context, arts []*retrieval.Article) ([]Story, error) {
	if len(arts) == 0 {
		return nil, nil
	}
	texts := make([]string, len(arts))
	for i, a := range arts {
		texts[i] = leadText(a)
	}
	n, dfs, err := b.store.DocFreqs(ctx, strings.Join(texts, "\n"))
	if err != nil {
		return nil, err
	}
	docs := make([]storyDoc, len(arts))
	for i, a := range arts {
		d := storyDoc{article: a, terms: map[string]float64{}}
		for _, t := range b.store.Terms(texts[i]) {
			d.terms[t] = storyWeight(n, dfs[t])
		}
		for _, w := range d.terms {
			d.norm += w * w
		}
		d.norm = math.Sqrt(d.norm)
		docs[i] = d
	}
	return clusterDocs(docs), nil
}

// priorParagraphs is the size of the background a library's document
// frequencies are read against: as if every library also held this many
// paragraphs in which no given term occurs. In a library of a few dozen
// articles, a story's own names ("Arlen", "drought") are in a good share
// of the paragraphs, and plain IDF would call them common; against the
// background they stay rare, while in a library of thousands of articles
// the background hardly matters.
const priorParagraphs = 2000

// storyWeight is a term's weight: BM25's IDF of its document frequency
// df among n paragraphs plus the background.
func storyWeight(n, df uint64) float64 {
	N, f := float64(n+priorParagraphs), float64(max(df, 1))
	return math.Log(1 + (N-f+0.5)/(f+0.5))
}

// similarity is the cosine of two documents' weighted term vectors.
func similarity(a, b storyDoc) float64 {
	if a.norm == 0 || b.norm == 0 {
		return 0
	}
	if len(b.terms) < len(a.terms) {
		a, b = b, a
	}
	dot := 0.0
	for t, w := range a.terms {
		dot += w * b.terms[t]
	}
	return dot / (a.norm * b.norm)
}

// clusterDocs groups docs by average linkage (see above) and orders the
// groups and their articles.
func clusterDocs(docs []storyDoc) []Story {
	n := len(docs)
	sim := make([][]float64, n)
	for i := range sim {
		sim[i] = make([]float64, n)
		for j := range i {
			sim[i][j] = similarity(docs[i], docs[j])
			sim[j][i] = sim[i][j]
		}
	}
	// members[i] lists the docs of group i; a merged group is nil. link
	// holds the average similarity between groups, updated on each merge
	// (Lance–Williams: the size-weighted mean of the two merged rows).
	members := make([][]int, n)
	link := make([][]float64, n)
	for i := range members {
		members[i] = []int{i}
		link[i] = slices.Clone(sim[i])
	}
	for {
		bi, bj, best := -1, -1, storyThreshold
		for i := range n {
			if members[i] == nil {
				continue
			}
			for j := i + 1; j < n; j++ {
				if members[j] != nil && link[i][j] >= best {
					bi, bj, best = i, j, link[i][j]
				}
			}
		}
		if bi < 0 {
			break
		}
		ni, nj := float64(len(members[bi])), float64(len(members[bj]))
		for k := range n {
			if members[k] != nil && k != bi && k != bj {
				v := (ni*link[bi][k] + nj*link[bj][k]) / (ni + nj)
				link[bi][k], link[k][bi] = v, v
			}
		}
		members[bi] = append(members[bi], members[bj]...)
		members[bj] = nil
	}
	var out []Story
	for _, m := range members {
		if m == nil {
			continue
		}
		// The newest article leads; on a tie, the most central: the
		// highest summed similarity to the others.
		central := func(i int) float64 {
			s := 0.0
			for _, j := range m {
				if j != i {
					s += sim[i][j]
				}
			}
			return s
		}
		slices.SortStableFunc(m, func(x, y int) int {
			if c := articleTime(docs[y].article).Compare(articleTime(docs[x].article)); c != 0 {
				return c
			}
			if c := cmp.Compare(central(y), central(x)); c != 0 {
				return c
			}
			return cmp.Compare(docs[x].article.ID, docs[y].article.ID)
		})
		st := Story{}
		for _, i := range m {
			st.Articles = append(st.Articles, docs[i].article)
		}
		out = append(out, st)
	}
	slices.SortStableFunc(out, func(x, y Story) int {
		if c := cmp.Compare(len(y.Articles), len(x.Articles)); c != 0 {
			return c
		}
		return newer(x.Articles[0], y.Articles[0])
	})
	return out
}

// newer orders the newer of two articles first: by publication date, else
// by when it was loaded, then by id so the order is stable.
func newer(a, b *retrieval.Article) int {
	if c := articleTime(b).Compare(articleTime(a)); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}
