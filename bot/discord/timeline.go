package discord

import (
	"context"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/bot/discord/markdown"
)

// planTimeline checks /timeline: a public answer, like /summarize topic,
// opened by the story asked about.
func (b *Bot) planTimeline(i *discordgo.Interaction, opts options, scope string, settings bot.Settings) (*job, error) {
	topic := opts.str(optTopic)
	if err := b.core.CheckQuestion(topic); err != nil {
		return nil, err
	}
	header := "> Timeline: " + markdown.EscapeInline(clip(oneLine(topic), maxHeaderRunes))
	req := bot.TimelineRequest{Topic: topic, Scope: scope, Language: b.answerLanguage(settings, i.Locale)}
	return &job{costly: true, run: func(ctx context.Context, r replier) {
		r.edit(header + "\n\n" + searching)
		tl, err := b.core.Timeline(ctx, req)
		if err != nil {
			b.fail(r, err)
			return
		}
		a := tl.Answer(-1)
		id := b.answers.add(answered{answer: a, asked: topic, kind: bot.KindTimeline, scope: scope, header: header, at: time.Now()})
		if err := deliver(r, renderTimeline(tl, a, header), b.answerButtons(a, id)); err != nil {
			b.log.Error("deliver timeline", append(r.logAttrs(), "err", err)...)
		}
	}}, nil
}

// renderTimeline lays out a timeline: the header, one line per event,
// "**3 Mar 2024** — what happened [1]", oldest first, then the sources.
// A story the library lacks reads as any answer that found nothing.
func renderTimeline(tl *bot.Timeline, a *bot.Answer, header string) []string {
	if tl.Abstained || len(tl.Events) == 0 {
		return renderAnswer(a, header)
	}
	lines := make([]bot.Line, len(tl.Events))
	for i, e := range tl.Events {
		lines[i] = e.Line
	}
	lines, cites := bot.CitedLines(lines, tl.Citations)
	body := []string{header, ""}
	for i, l := range lines {
		body = append(body, "**"+tl.Events[i].DateLabel()+"** — "+renderLine(l))
	}
	if tl.Mode == bot.ModeExtractive {
		body = append(body, "", "_Dated by what each article says, or by its date; quoted as written._")
	}
	return renderCited(strings.Join(body, "\n"), cites)
}
