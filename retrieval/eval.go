package retrieval

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"
)

// EvalQuery is one benchmark question with its gold paragraphs, in the
// newsbench JSONL format.
type EvalQuery struct {
	Date     string     `json:"date"` // optional: YYYY-MM-DD, the day it was asked
	ID       string     `json:"id"`
	Question string     `json:"question"`
	Answer   string     `json:"answer"`
	Gold     []GoldPara `json:"gold"`
}

// GoldPara names a paragraph that answers an EvalQuery; Paragraph is 1-based.
type GoldPara struct {
	ArticleID string `json:"article_id"`
	Paragraph int    `json:"paragraph"`
}

// Metrics are the retrieval quality measures at one level (paragraph or
// article): the share of queries with a gold item in the top 1, 4 and 10,
// and the mean reciprocal rank of the first gold item within the top 10.
type Metrics struct {
	Hits1  float64 `json:"hits@1"`
	Hits4  float64 `json:"hits@4"`
	Hits10 float64 `json:"hits@10"`
	MRR10  float64 `json:"mrr@10"`
}

// EvalReport is the result of Evaluate.
type EvalReport struct {
	Queries   int     `json:"queries"`
	Paragraph Metrics `json:"paragraph"`
	Article   Metrics `json:"article"`
}

// blankLines separates paragraphs in benchmark bodies, exactly as the
// newsbench README defines them.
var blankLines = regexp.MustCompile(`\n\s*\n`)

// splitParagraphs splits a body on blank lines (a run of blank lines, which
// may hold spaces or tabs, is one separator), numbering as newsbench does.
func splitParagraphs(body string) []string {
	body = strings.TrimSpace(strings.ReplaceAll(body, "\r\n", "\n"))
	if body == "" {
		return nil
	}
	return blankLines.Split(body, -1)
}

// ReadCorpus reads a newsbench corpus.jsonl: one article per line with id,
// title, url, source, published_at and body. Articles are global.
func ReadCorpus(r io.Reader) ([]*Article, error) {
	var out []*Article
	err := readJSONL(r, func(line int, raw []byte) error {
		var rec struct {
			ID, Title, URL, Source, Body string
			PublishedAt                  *string `json:"published_at"`
		}
		if err := json.Unmarshal(raw, &rec); err != nil {
			return err
		}
		if rec.ID == "" {
			return fmt.Errorf("article has no id")
		}
		a := &Article{ID: rec.ID, Title: rec.Title, URL: rec.URL, Source: rec.Source, Scope: GlobalScope, Paragraphs: splitParagraphs(rec.Body)}
		if rec.PublishedAt != nil {
			if t, err := time.Parse(time.DateOnly, (*rec.PublishedAt)[:min(10, len(*rec.PublishedAt))]); err == nil {
				a.PublishedAt = t
			}
		}
		out = append(out, a)
		return nil
	})
	return out, err
}

// ReadQueries reads a newsbench queries file.
func ReadQueries(r io.Reader) ([]EvalQuery, error) {
	var out []EvalQuery
	err := readJSONL(r, func(line int, raw []byte) error {
		var q EvalQuery
		if err := json.Unmarshal(raw, &q); err != nil {
			return err
		}
		if strings.TrimSpace(q.Question) == "" || len(q.Gold) == 0 {
			return fmt.Errorf("query needs a question and gold paragraphs")
		}
		out = append(out, q)
		return nil
	})
	return out, err
}

func readJSONL(r io.Reader, fn func(line int, raw []byte) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	line := 0
	for sc.Scan() {
		line++
		raw := sc.Bytes()
		if len(strings.TrimSpace(string(raw))) == 0 {
			continue
		}
		if err := fn(line, raw); err != nil {
			return fmt.Errorf("line %d: %w", line, err)
		}
	}
	return sc.Err()
}

// Evaluate runs every query against ix, retrieving depth paragraphs each,
// and scores the rankings at paragraph level and at article level (articles
// ranked by their best paragraph). A query is asked as of its date, when
// it has one, else as of asOf (zero: the clock).
func Evaluate(ctx context.Context, ix *Index, queries []EvalQuery, depth int, asOf time.Time) (EvalReport, error) {
	rep := EvalReport{Queries: len(queries)}
	if len(queries) == 0 {
		return rep, fmt.Errorf("no queries")
	}
	for _, q := range queries {
		query := Query{Text: q.Question, K: min(depth, MaxK), Scope: GlobalScope, Now: asOf}
		if q.Date != "" {
			d, err := time.Parse(time.DateOnly, q.Date)
			if err != nil {
				return rep, fmt.Errorf("query %s: date %q is not YYYY-MM-DD", q.ID, q.Date)
			}
			query.Now = d
		}
		hits, err := ix.Search(ctx, query)
		if err != nil {
			return rep, fmt.Errorf("query %s: %w", q.ID, err)
		}
		gold := map[string]bool{}
		goldArticles := map[string]bool{}
		for _, g := range q.Gold {
			gold[ParagraphID(g.ArticleID, g.Paragraph)] = true
			goldArticles[g.ArticleID] = true
		}
		var paraRank, artRank int
		seen := map[string]bool{}
		for i, h := range hits {
			if paraRank == 0 && gold[h.ID()] {
				paraRank = i + 1
			}
			if !seen[h.Article.ID] {
				seen[h.Article.ID] = true
				if artRank == 0 && goldArticles[h.Article.ID] {
					artRank = len(seen)
				}
			}
		}
		rep.Paragraph.add(paraRank)
		rep.Article.add(artRank)
	}
	n := float64(len(queries))
	rep.Paragraph.scale(n)
	rep.Article.scale(n)
	return rep, nil
}

func (m *Metrics) add(rank int) {
	if rank == 0 {
		return
	}
	if rank <= 1 {
		m.Hits1++
	}
	if rank <= 4 {
		m.Hits4++
	}
	if rank <= 10 {
		m.Hits10++
		m.MRR10 += 1 / float64(rank)
	}
}

func (m *Metrics) scale(n float64) {
	m.Hits1 /= n
	m.Hits4 /= n
	m.Hits10 /= n
	m.MRR10 /= n
}
