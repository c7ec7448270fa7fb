package discord

import (
	"cmp"
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
	question, scope string
	article         *bot.Article // answer from this article only
	history         []bot.Turn
	language        string // for a model's answer; "" the question's
	// header opens a public answer: the question, quoted, for those in
	// the channel who can't see it.
	header string
	kind   string // bot.KindQuestion unless set
}

// ask answers a question, streaming the answer into the reply.
func (b *Bot) ask(ctx context.Context, r replier, q askRequest) *bot.Answer {
	q2 := bot.Question{Text: q.question, Scope: q.scope, History: q.history, Language: q.language}
	if q.article != nil {
		q2.ArticleID = q.article.ID
	}
	st := newStreamer(r, q.header, b.opts.EditInterval, b.log)
	a, err := b.core.Ask(ctx, q2, st.update)
	st.stop()
	if err != nil {
		b.fail(r, err)
		return nil
	}
	b.sendAnswer(r, a, answered{asked: q.question, kind: cmp.Or(q.kind, bot.KindQuestion), scope: q.scope, header: q.header})
	return a
}

// planAsk checks /ask: the question, and the article it names if any.
func (b *Bot) planAsk(i *discordgo.Interaction, opts options, scope string, settings bot.Settings) (*job, error) {
	q := askRequest{question: opts.str(optQuestion), scope: scope, language: b.answerLanguage(settings, i.Locale)}
	if err := b.core.CheckQuestion(q.question); err != nil {
		return nil, err
	}
	if ref := opts.str(optArticle); ref != "" {
		a, err := b.core.FindArticle(ref, scope)
		if err != nil {
			return nil, err
		}
		q.article = a
	}
	q.header = questionHeader(q.question, q.article)
	return &job{costly: true, run: func(ctx context.Context, r replier) { b.ask(ctx, r, q) }}, nil
}

// planAskAbout checks a context-menu question about a message.
func (b *Bot) planAskAbout(i *discordgo.Interaction, data discordgo.ApplicationCommandInteractionData, scope string, settings bot.Settings) (*job, error) {
	var text string
	if data.Resolved != nil {
		if m, ok := data.Resolved.Messages[data.TargetID]; ok {
			text = strings.TrimSpace(m.Content)
		}
	}
	if text == "" {
		return nil, &bot.InputError{Err: errors.New("that message has no text I can ask about")}
	}
	if rs := []rune(text); len(rs) > 900 {
		text = string(rs[:900]) + "…"
	}
	q := askRequest{question: "What do the articles say about this: " + text, scope: scope,
		language: b.answerLanguage(settings, i.Locale), header: questionHeader(text, nil)}
	return &job{costly: true, run: func(ctx context.Context, r replier) { b.ask(ctx, r, q) }}, nil
}

// planSummarize checks /summarize article and /summarize topic.
func (b *Bot) planSummarize(i *discordgo.Interaction, data discordgo.ApplicationCommandInteractionData, scope string, settings bot.Settings) (*job, error) {
	_, sub, opts := subcommand(data)
	req := bot.SummaryRequest{Scope: scope, Language: b.answerLanguage(settings, i.Locale)}
	var header, kind string
	switch sub {
	case subArticle:
		a, err := b.core.FindArticle(opts.str(optArticle), scope)
		if err != nil {
			return nil, err
		}
		req.Article, kind = a.ID, bot.KindSummary
		header = "> Summary of “" + markdown.EscapeInline(clip(oneLine(a.Title), maxHeaderRunes)) + "”"
	case subTopic:
		req.Topic, kind = opts.str(optTopic), bot.KindDigest
		if req.Topic == "" {
			return nil, &bot.InputError{Err: errors.New("give a topic to digest, such as the drought in the valley")}
		}
		header = "> Digest: " + markdown.EscapeInline(clip(oneLine(req.Topic), maxHeaderRunes))
		if days, ok := opts.integer(optDays); ok {
			if days < 1 || days > maxDays {
				return nil, &bot.InputError{Err: fmt.Errorf("days must be between 1 and %d", maxDays)}
			}
			req.Since = time.Now().AddDate(0, 0, -days)
			header += fmt.Sprintf(" — the last %s", plural(days, "day"))
		}
	default:
		return nil, &bot.InputError{Err: errors.New("pick /summarize article or /summarize topic")}
	}
	asked := strings.TrimPrefix(header, "> ")
	return &job{costly: true, run: func(ctx context.Context, r replier) {
		st := newStreamer(r, header, b.opts.EditInterval, b.log)
		a, err := b.core.Summarize(ctx, req, st.update)
		st.stop()
		if err != nil {
			b.fail(r, err)
			return
		}
		b.sendAnswer(r, a, answered{asked: asked, kind: kind, scope: scope, header: header})
	}}, nil
}

// maxHeaderRunes bounds the question an answer opens with.
const maxHeaderRunes = 200

// questionHeader is how a public answer opens: the question quoted,
// shortened, escaped so it shows as typed and can mention nobody.
func questionHeader(question string, article *bot.Article) string {
	h := "> " + markdown.EscapeInline(clip(oneLine(question), maxHeaderRunes))
	if article != nil {
		h += "\n> _about “" + markdown.EscapeInline(clip(oneLine(article.Title), maxHeadline)) + "”_"
	}
	return h
}

// listArticles lists the newest articles the server can see, or those
// whose headline or text matches query.
func (b *Bot) listArticles(ctx context.Context, r replier, query, scope string) {
	var list []*bot.Article
	if query == "" {
		list = b.core.Articles(scope)
	} else {
		var err error
		if list, err = b.core.SuggestArticles(ctx, query, scope, 30); err != nil {
			b.fail(r, err)
			return
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
	title := markdown.Escape(a.Title)
	if a.URL != "" {
		title = "[" + title + "](<" + a.URL + ">)"
	}
	scope := ""
	if a.Scope == bot.GlobalScope {
		scope = " · shared"
	}
	return fmt.Sprintf("• %s — %s%s", title, bot.ArticleFacts(a, markdown.Escape), scope)
}

func containsArticle(list []*bot.Article, a *bot.Article) bool {
	for _, x := range list {
		if x.ID == a.ID {
			return true
		}
	}
	return false
}

// planLoad checks /load: a link or a file, one of them, and the file's size.
func (b *Bot) planLoad(i *discordgo.Interaction, data discordgo.ApplicationCommandInteractionData, opts options) (*job, error) {
	url := opts.str(optURL)
	fileID, hasFile := opts.raw(optFile)
	switch {
	case url == "" && !hasFile:
		return nil, &bot.InputError{Err: errors.New("give a link with url: or attach a file with file:")}
	case url != "" && hasFile:
		return nil, &bot.InputError{Err: errors.New("give a link or a file, not both")}
	}
	var att *discordgo.MessageAttachment
	if hasFile {
		if data.Resolved != nil {
			att = data.Resolved.Attachments[fileID]
		}
		if att == nil {
			return nil, &bot.InputError{Err: errors.New("the attached file did not arrive; try again")}
		}
		if int64(att.Size) > b.opts.MaxUpload {
			return nil, &bot.InputError{Err: fmt.Errorf("the file is %d MB; the limit is %d MB", att.Size>>20, b.opts.MaxUpload>>20)}
		}
	}
	reload, _ := opts.boolean(optReload)
	return &job{costly: true, run: func(ctx context.Context, r replier) { b.load(ctx, r, url, att, i.GuildID, reload) }}, nil
}

// load loads a link or an attachment and tells what it added; with reload,
// what it loads replaces a stored article with the same address.
func (b *Bot) load(ctx context.Context, r replier, url string, att *discordgo.MessageAttachment, guildID string, reload bool) {
	var results []bot.LoadResult
	var err error
	if url != "" {
		r.edit("_Loading " + markdown.Escape(bot.RedactURL(url)) + "…_")
		load := b.core.LoadURL
		if reload {
			load = b.core.ReloadURL
		}
		results, err = load(ctx, url, guildID)
	} else {
		var res bot.LoadResult
		res, err = b.loadAttachment(ctx, att, guildID, reload)
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
		lines = append(lines, "⚠️ "+b.sorry(r.logAttrs(), err))
	}
	if err := deliver(r, packLines(lines), nil); err != nil {
		b.log.Error("deliver load receipt", "err", err)
	}
}

// loadAttachment downloads a /load attachment (size-capped) and loads it,
// or reloads it over the stored article with the same address.
func (b *Bot) loadAttachment(ctx context.Context, att *discordgo.MessageAttachment, guildID string, reload bool) (bot.LoadResult, error) {
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
	if reload {
		return b.core.ReloadFile(ctx, att.Filename, body, guildID)
	}
	return b.core.LoadFile(ctx, att.Filename, body, guildID)
}

// receipt tells what loading did: headline, outlet, date, paragraphs, and
// whether the article was new, updated or already there.
func receipt(r bot.LoadResult) string {
	a := r.Article
	verb := map[bot.AddStatus]string{
		bot.Added:     "✅ Added",
		bot.Updated:   "🔄 Updated",
		bot.Unchanged: "☑️ Already in the library:",
	}[r.Status]
	return fmt.Sprintf("%s “%s” (%s)", verb, markdown.Escape(a.Title), bot.ArticleFacts(a, markdown.Escape))
}

// planForget checks /forget: the article exists and is the server's own.
func (b *Bot) planForget(i *discordgo.Interaction, opts options) (*job, error) {
	a, err := b.core.FindArticle(opts.str(optArticle), i.GuildID)
	if err != nil {
		return nil, err
	}
	if a.Scope != i.GuildID {
		return nil, fmt.Errorf("%w: %q belongs to the shared library", bot.ErrNotYours, a.Title)
	}
	return &job{private: true, run: func(ctx context.Context, r replier) {
		if _, err := b.core.Forget(ctx, a.ID, i.GuildID); err != nil {
			b.fail(r, err)
			return
		}
		r.finish(fmt.Sprintf("🗑️ Removed “%s” from this server's library.", markdown.Escape(a.Title)), nil)
	}}, nil
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
