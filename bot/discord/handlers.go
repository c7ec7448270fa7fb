package discord

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/bot/discord/markdown"
)

// askRequest is a question from a command, a mention or a thread.
type askRequest struct {
	question, article, scope string
	history                  []bot.Turn
}

// ask answers a question, streaming the answer into the reply.
func (b *Bot) ask(ctx context.Context, r replier, q askRequest) *bot.Answer {
	articleID := ""
	if q.article != "" {
		a, err := b.core.FindArticle(q.article, q.scope)
		if err != nil {
			b.fail(r, err)
			return nil
		}
		articleID = a.ID
	}
	st := newStreamer(r, b.opts.EditInterval, b.log)
	a, err := b.core.Ask(ctx, bot.Question{Text: q.question, Scope: q.scope, ArticleID: articleID, History: q.history}, st.update)
	st.stop()
	if err != nil {
		b.fail(r, err)
		return nil
	}
	if err := b.sendAnswer(r, a); err != nil {
		b.log.Error("deliver answer", "err", err)
	}
	return a
}

// askAbout answers about the message a context-menu command was used on.
func (b *Bot) askAbout(ctx context.Context, r replier, data discordgo.ApplicationCommandInteractionData, scope string) {
	var text string
	if data.Resolved != nil {
		if m, ok := data.Resolved.Messages[data.TargetID]; ok {
			text = strings.TrimSpace(m.Content)
		}
	}
	if text == "" {
		b.fail(r, &bot.InputError{Err: errors.New("that message has no text I can ask about")})
		return
	}
	if rs := []rune(text); len(rs) > 900 {
		text = string(rs[:900]) + "…"
	}
	b.ask(ctx, r, askRequest{question: "What do the articles say about this: " + text, scope: scope})
}

func (b *Bot) summarize(ctx context.Context, r replier, opts options, scope string) {
	req := bot.SummaryRequest{Article: opts.str(optArticle), Topic: opts.str(optTopic), Scope: scope}
	if days := opts.integer(optDays); days > 0 {
		req.Since = time.Now().AddDate(0, 0, -days)
	}
	if req.Article == "" && req.Topic == "" && req.Since.IsZero() {
		b.fail(r, &bot.InputError{Err: errors.New("pick an article, or give a topic or a number of days")})
		return
	}
	st := newStreamer(r, b.opts.EditInterval, b.log)
	a, err := b.core.Summarize(ctx, req, st.update)
	st.stop()
	if err != nil {
		b.fail(r, err)
		return
	}
	if err := b.sendAnswer(r, a); err != nil {
		b.log.Error("deliver summary", "err", err)
	}
}

// listArticles lists the newest articles the server can see, or those
// whose headline or text matches query.
func (b *Bot) listArticles(ctx context.Context, r replier, query, scope string) {
	var list []*bot.Article
	if query == "" {
		list = b.core.Articles(scope)
	} else {
		list = b.titleMatches(query, scope, 15)
		if len(list) < 15 {
			found, err := b.core.SearchArticles(ctx, query, scope, 30)
			if err != nil {
				b.fail(r, err)
				return
			}
			for _, a := range found {
				if !containsArticle(list, a) {
					list = append(list, a)
				}
			}
		}
	}
	if len(list) == 0 {
		msg := "This server's library is empty — add articles with `/load`."
		if query != "" {
			msg = "No article matches that."
		}
		r.finish(msg, nil)
		return
	}
	total := len(list)
	if len(list) > 15 {
		list = list[:15]
	}
	lines := []string{fmt.Sprintf("**%s**", plural(total, "article"))}
	for _, a := range list {
		lines = append(lines, articleLine(a))
	}
	if total > len(list) {
		lines = append(lines, fmt.Sprintf("…and %d more. Use `/articles query:` to search.", total-len(list)))
	}
	if err := deliver(r, packLines(lines), nil); err != nil {
		b.log.Error("deliver article list", "err", err)
	}
}

// articleLine describes an article in one line.
func articleLine(a *bot.Article) string {
	var meta []string
	if a.Source != "" {
		meta = append(meta, markdown.Escape(a.Source))
	}
	if !a.PublishedAt.IsZero() {
		meta = append(meta, a.PublishedAt.Format("2 Jan 2006"))
	}
	meta = append(meta, plural(len(a.Paragraphs), "paragraph"))
	title := markdown.Escape(a.Title)
	if a.URL != "" {
		title = "[" + title + "](<" + a.URL + ">)"
	}
	scope := ""
	if a.Scope == bot.GlobalScope {
		scope = " · shared"
	}
	return fmt.Sprintf("• %s — %s%s", title, strings.Join(meta, ", "), scope)
}

func containsArticle(list []*bot.Article, a *bot.Article) bool {
	for _, x := range list {
		if x.ID == a.ID {
			return true
		}
	}
	return false
}

func (b *Bot) load(ctx context.Context, r replier, opts options, data discordgo.ApplicationCommandInteractionData, guildID string) {
	url := opts.str(optURL)
	fileID, hasFile := opts.raw(optFile)
	switch {
	case url == "" && !hasFile:
		b.fail(r, &bot.InputError{Err: errors.New("give a link with url: or attach a file with file:")})
		return
	case url != "" && hasFile:
		b.fail(r, &bot.InputError{Err: errors.New("give a link or a file, not both")})
		return
	}
	var results []bot.LoadResult
	var err error
	if url != "" {
		r.edit("_Loading " + markdown.Escape(url) + "…_")
		results, err = b.core.LoadURL(ctx, url, guildID)
	} else {
		var att *discordgo.MessageAttachment
		if data.Resolved != nil {
			att = data.Resolved.Attachments[fileID]
		}
		var res bot.LoadResult
		res, err = b.loadAttachment(ctx, att, guildID)
		if err == nil {
			results = []bot.LoadResult{res}
		}
	}
	lines := make([]string, 0, len(results)+1)
	for _, res := range results {
		lines = append(lines, receipt(res))
	}
	if err != nil {
		if len(results) == 0 {
			b.fail(r, err)
			return
		}
		lines = append(lines, "⚠️ "+b.sorry(r, err))
	}
	if err := deliver(r, packLines(lines), nil); err != nil {
		b.log.Error("deliver load receipt", "err", err)
	}
}

// loadAttachment downloads a /load attachment (size-capped) and loads it.
func (b *Bot) loadAttachment(ctx context.Context, att *discordgo.MessageAttachment, guildID string) (bot.LoadResult, error) {
	if att == nil {
		return bot.LoadResult{}, &bot.InputError{Err: errors.New("the attached file did not arrive; try again")}
	}
	if int64(att.Size) > b.opts.MaxUpload {
		return bot.LoadResult{}, &bot.InputError{Err: fmt.Errorf("the file is %d MB; the limit is %d MB", att.Size>>20, b.opts.MaxUpload>>20)}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, att.URL, nil)
	if err != nil {
		return bot.LoadResult{}, err
	}
	resp, err := b.s.Client.Do(req)
	if err != nil {
		return bot.LoadResult{}, fmt.Errorf("download attachment: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return bot.LoadResult{}, fmt.Errorf("download attachment: status %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, b.opts.MaxUpload+1))
	if err != nil {
		return bot.LoadResult{}, fmt.Errorf("download attachment: %w", err)
	}
	if int64(len(body)) > b.opts.MaxUpload {
		return bot.LoadResult{}, &bot.InputError{Err: fmt.Errorf("the file is larger than %d MB", b.opts.MaxUpload>>20)}
	}
	return b.core.LoadFile(ctx, att.Filename, body, guildID)
}

// receipt tells what loading did: headline, outlet, date, paragraphs, and
// whether the article was new, updated or already there.
func receipt(r bot.LoadResult) string {
	a := r.Article
	var meta []string
	if a.Source != "" {
		meta = append(meta, markdown.Escape(a.Source))
	}
	if !a.PublishedAt.IsZero() {
		meta = append(meta, a.PublishedAt.Format("2 Jan 2006"))
	}
	meta = append(meta, plural(len(a.Paragraphs), "paragraph"))
	verb := map[bot.AddStatus]string{
		bot.Added:     "✅ Added",
		bot.Updated:   "🔄 Updated",
		bot.Unchanged: "☑️ Already in the library:",
	}[r.Status]
	return fmt.Sprintf("%s “%s” (%s)", verb, markdown.Escape(a.Title), strings.Join(meta, ", "))
}

func (b *Bot) forget(ctx context.Context, r replier, ref, guildID string) {
	a, err := b.core.Forget(ctx, ref, guildID)
	if err != nil {
		b.fail(r, err)
		return
	}
	r.finish(fmt.Sprintf("🗑️ Removed “%s” from this server's library.", markdown.Escape(a.Title)), nil)
}

// packLines joins lines into as few messages as fit Discord's limit.
func packLines(lines []string) []string {
	var out []string
	var cur strings.Builder
	for _, l := range lines {
		if cur.Len() > 0 && runeLen(cur.String())+1+runeLen(l) > maxMessage {
			out = append(out, cur.String())
			cur.Reset()
		}
		if cur.Len() > 0 {
			cur.WriteByte('\n')
		}
		cur.WriteString(truncateRunes(l, maxMessage))
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

func runeLen(s string) int { return len([]rune(s)) }

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
