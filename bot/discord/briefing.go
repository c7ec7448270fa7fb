package discord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/bot/discord/markdown"
)

// planBriefing checks /briefing: anyone may see the schedule and preview
// the next briefing; setting and stopping it is for those who manage the
// server. Every reply is private: the preview is for the one who asked
// (a public preview would post an unscheduled briefing in the channel,
// telling tomorrow's news twice, and look like a second briefing of the
// day), and the schedule is a moderator's business.
func (b *Bot) planBriefing(i *discordgo.Interaction, data discordgo.ApplicationCommandInteractionData) (*job, error) {
	if b.opts.Briefings == nil {
		return nil, &bot.InputError{Err: errors.New("daily briefings are not enabled on this bot")}
	}
	if i.GuildID == "" {
		return nil, &bot.InputError{Err: errors.New("briefings are for servers; use /briefing in a server")}
	}
	_, sub, opts := subcommand(data)
	who := interactionUser(i)
	switch sub {
	case subShow:
		return &job{private: true, run: func(ctx context.Context, r replier) { b.showBriefing(ctx, r, i.GuildID, "") }}, nil
	case subNow:
		return &job{private: true, costly: true, run: func(ctx context.Context, r replier) { b.previewBriefing(ctx, r, i.GuildID) }}, nil
	case subSet, subOff:
		if err := b.checkManage(i, "change this server's daily briefing"); err != nil {
			return nil, err
		}
	default:
		return nil, &bot.InputError{Err: errors.New("pick /briefing set, off, now or show")}
	}
	if sub == subOff {
		return &job{private: true, run: func(ctx context.Context, r replier) {
			if _, err := b.opts.Briefings.Off(ctx, i.GuildID, who); err != nil {
				b.fail(r, err)
				return
			}
			b.log.Info("daily briefing stopped", "guild", i.GuildID, "by", who)
			r.finish("🛑 The daily briefing is stopped. `/briefing set` starts it again.", nil)
		}}, nil
	}
	channel, err := channelOption(opts)
	if err != nil {
		return nil, err
	}
	at, topic := opts.str(optTime), opts.str(optTopic)
	if _, err := bot.ParseClock(at); err != nil {
		return nil, err
	}
	return &job{private: true, run: func(ctx context.Context, r replier) {
		if _, err := b.opts.Briefings.Set(ctx, i.GuildID, channel, at, topic, who); err != nil {
			b.fail(r, err)
			return
		}
		b.log.Info("daily briefing set", "guild", i.GuildID, "by", who, "channel", channel)
		b.showBriefing(ctx, r, i.GuildID, "✅ Saved. ")
	}}, nil
}

// showBriefing describes a server's daily briefing: where and when, its
// topic, and how the last one went.
func (b *Bot) showBriefing(ctx context.Context, r replier, guildID, lead string) {
	st, err := b.opts.Briefings.Status(ctx, guildID)
	if err != nil {
		b.fail(r, err)
		return
	}
	r.finish(lead+describeBriefing(st), nil)
}

// describeBriefing says what a server's briefing is, in a few lines.
func describeBriefing(st bot.BriefingStatus) string {
	br := st.Settings.Briefing
	if br == nil {
		return "This server has no daily briefing. Moderators can start one with `/briefing set channel: time:`; `/briefing now` shows what it would say."
	}
	zone := st.Zone.String()
	lines := []string{
		fmt.Sprintf("📰 **Daily briefing** in <#%s> at %s (%s)", br.Channel, br.At, zone),
		"• Next: " + when(st.Next),
	}
	if br.Topic != "" {
		lines = append(lines, "• Only about: "+markdown.EscapeInline(br.Topic))
	} else {
		lines = append(lines, "• About: everything new in this server's library")
	}
	if st.HasLast {
		switch rec := st.Last; rec.State {
		case bot.BriefingSent:
			lines = append(lines, fmt.Sprintf("• Last: posted %s", when(rec.DoneAt.In(st.Zone))))
		case bot.BriefingEmpty:
			lines = append(lines, fmt.Sprintf("• Last: nothing new on %s, so nothing was posted", dayName(rec.Day)))
		case bot.BriefingFailed:
			lines = append(lines, fmt.Sprintf("• Last: ⚠️ could not be posted on %s — %s", dayName(rec.Day), markdown.EscapeInline(undeliverableReason(rec.Error))))
		}
	}
	lines = append(lines, "The time is in the server's zone, "+zone+"; moderators change it with `/settings timezone`.")
	return strings.Join(lines, "\n")
}

// when writes a moment as Discord's timestamp markup, which each reader's
// client shows in their own zone, with the relative time.
func when(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return fmt.Sprintf("<t:%d:F> (<t:%d:R>)", t.Unix(), t.Unix())
}

// dayName writes "2006-01-02" as "Thursday 7 March 2024".
func dayName(day string) string {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return day
	}
	return t.Format("Monday 2 January 2006")
}

// previewBriefing shows, privately, what the next briefing would say now.
func (b *Bot) previewBriefing(ctx context.Context, r replier, guildID string) {
	d, err := b.opts.Briefings.Preview(ctx, guildID)
	if err != nil {
		b.fail(r, err)
		return
	}
	st, err := b.opts.Briefings.Status(ctx, guildID)
	if err != nil {
		b.fail(r, err)
		return
	}
	header := "📰 **Briefing preview** — what arrived " + since(d.Since, st.Zone)
	if st.Settings.Briefing != nil && st.Settings.Briefing.Topic != "" {
		header += " about " + markdown.EscapeInline(st.Settings.Briefing.Topic)
	}
	footer := "_No daily briefing is set; moderators can start one with `/briefing set`._"
	if br := st.Settings.Briefing; br != nil {
		footer = fmt.Sprintf("_The next briefing goes to <#%s> %s._", br.Channel, when(st.Next))
	}
	if d.Empty() {
		r.finish(header+"\n\nNothing new has arrived.\n\n"+footer, nil)
		return
	}
	if err := deliver(r, renderDigest(d, len(d.Lines), header, footer), nil); err != nil {
		b.log.Error("deliver briefing preview", append(r.logAttrs(), "err", err)...)
	}
}

// since writes the start of a briefing's period for its header.
func since(t time.Time, zone *time.Location) string {
	return fmt.Sprintf("since %s", when(t.In(zone)))
}

// briefingHeader opens a posted briefing; it names the day, so a search
// of the channel can tell the day's briefing from others (FindBriefing).
func briefingHeader(day string) string {
	return "📰 **Daily briefing — " + dayName(day) + "**"
}

// renderDigest lays out the first n lines of a digest: the header, one
// bullet per story with its citations, the footer, then the sources.
func renderDigest(d *bot.Digest, n int, header, footer string) []string {
	lines, cites := bot.CitedLines(d.Lines[:n], d.Citations)
	body := []string{header}
	if d.Topic != "" && !strings.Contains(header, "about") {
		body = append(body, "_About "+markdown.EscapeInline(d.Topic)+"_")
	}
	body = append(body, "")
	for _, l := range lines {
		body = append(body, "• "+renderLine(l))
	}
	switch more := len(d.Lines) - n; {
	case more == 1:
		body = append(body, "_…and 1 more story._")
	case more > 1:
		body = append(body, fmt.Sprintf("_…and %d more stories._", more))
	}
	if footer != "" {
		body = append(body, "", footer)
	}
	return renderCited(strings.Join(body, "\n"), cites)
}

// renderLine writes one line of a briefing or a timeline: the text
// (a sentence quoted from an article in quotation marks, escaped so it
// shows as written; a model's light markdown kept), then its citations and
// the other reports'.
func renderLine(l bot.Line) string {
	text := markdown.DefuseMentions(oneLine(l.Text))
	if l.Quoted {
		text = "“" + markdown.EscapeInline(oneLine(l.Text)) + "”"
	}
	out := text + " " + marks(l.Cites)
	if len(l.Also) > 0 {
		out += " _(also " + marks(l.Also) + ")_"
	}
	return out
}

func marks(ns []int) string {
	var b strings.Builder
	for _, n := range ns {
		b.WriteString("[" + strconv.Itoa(n) + "]")
	}
	return b.String()
}

// renderCited packs a body and its sources list into messages, as answers
// are: the body may split between lines, a source line never.
func renderCited(body string, cites []bot.Citation) []string {
	units := []unit{{text: body}}
	lineMax := maxMessage - runeCount(sourcesHeader) - 1
	for i, c := range cites {
		u := unit{text: renderSourceLine(c, lineMax), sep: "\n"}
		if i == 0 {
			u = unit{text: sourcesHeader + "\n" + u.text, sep: "\n\n"}
		}
		units = append(units, u)
	}
	return pack(units, maxMessage)
}

// fitBriefing renders the most stories of d that fit one message: a
// briefing is one message, so that it is posted, found and recorded as
// one.
func fitBriefing(d *bot.Digest, header string) string {
	for n := len(d.Lines); n > 1; n-- {
		if msgs := renderDigest(d, n, header, ""); len(msgs) == 1 {
			return msgs[0]
		}
	}
	return renderDigest(d, 1, header, "")[0]
}

// RunBriefings posts the servers' daily briefings at their times until
// ctx is done. Run starts it once connected: looking for a briefing an
// earlier attempt posted needs the bot's own user id from READY.
func (b *Bot) RunBriefings(ctx context.Context) error {
	return b.opts.Briefings.Run(ctx, b)
}

// PostBriefing posts a daily briefing (bot.BriefingPoster): one message
// in the briefing's channel, sent with the briefing's key as its nonce
// and enforce_nonce, so Discord returns the message already made instead
// of making a second when two attempts overlap. discordgo v0.29's
// MessageSend has no nonce, so the request is made here.
func (b *Bot) PostBriefing(ctx context.Context, p bot.BriefingPost) (string, error) {
	return b.sendKeyed(ctx, p.Channel, fitBriefing(p.Digest, briefingHeader(p.Day)), p.Key, "post briefing")
}

// FindBriefing looks for the day's briefing among the bot's messages in
// the channel since the first attempt (bot.BriefingPoster).
func (b *Bot) FindBriefing(ctx context.Context, p bot.BriefingPost) (string, error) {
	header := briefingHeader(p.Day)
	return b.findOwn(ctx, p.Channel, p.After, "look for a posted briefing", func(content string) bool {
		return strings.HasPrefix(content, header)
	})
}

// sendKeyed posts content in channel with key as its nonce and
// enforce_nonce, so Discord returns the message already made instead of
// making a second when two attempts overlap. discordgo v0.29's
// MessageSend has no nonce, so the request is made here. what names the
// work in errors.
func (b *Bot) sendKeyed(ctx context.Context, channel, content, key, what string) (string, error) {
	send := struct {
		*discordgo.MessageSend
		Nonce        string `json:"nonce"`
		EnforceNonce bool   `json:"enforce_nonce"`
	}{
		MessageSend: &discordgo.MessageSend{
			Content:         content,
			AllowedMentions: noMentions(),
			Flags:           discordgo.MessageFlagsSuppressEmbeds,
		},
		Nonce: key, EnforceNonce: true,
	}
	endpoint := discordgo.EndpointChannelMessages(channel)
	resp, err := b.s.RequestWithBucketID(http.MethodPost, endpoint, send, endpoint, discordgo.WithContext(ctx))
	if err != nil {
		return "", deliveryError(err)
	}
	var m discordgo.Message
	if err := json.Unmarshal(resp, &m); err != nil || m.ID == "" {
		return "", fmt.Errorf("%s: Discord's answer is no message: %v", what, err)
	}
	return m.ID, nil
}

// findOwn looks among the bot's messages in channel since a minute before
// after (an earlier attempt's start) for one whose content matches, and
// returns its id, or "" when there is none. It reads at most 1,000
// messages: a busy channel's day. what names the work in errors.
func (b *Bot) findOwn(ctx context.Context, channel string, after time.Time, what string, match func(content string) bool) (string, error) {
	me := b.botID()
	if me == "" {
		return "", fmt.Errorf("%s: not connected to Discord yet", what)
	}
	since := snowflakeAt(after.Add(-time.Minute))
	for range 10 {
		msgs, err := b.s.ChannelMessages(channel, 100, "", since, "", discordgo.WithContext(ctx))
		if err != nil {
			return "", deliveryError(err)
		}
		for _, m := range msgs {
			if m.Author != nil && m.Author.ID == me && match(m.Content) {
				return m.ID, nil
			}
			if snowflakeLess(since, m.ID) {
				since = m.ID
			}
		}
		if len(msgs) < 100 {
			break
		}
	}
	return "", nil
}

// deliveryError marks Discord's refusals that retrying will not mend
// (the channel is gone, the bot may not see or post in it) as
// bot.ErrUndeliverable.
func deliveryError(err error) error {
	var re *discordgo.RESTError
	if errors.As(err, &re) && re.Response != nil {
		switch re.Response.StatusCode {
		case http.StatusForbidden, http.StatusNotFound, http.StatusBadRequest:
			return fmt.Errorf("%w: %s", bot.ErrUndeliverable, restReason(re))
		}
	}
	return err
}

// restReason is Discord's message for a refused request, or its status.
func restReason(re *discordgo.RESTError) string {
	if re.Message != nil && re.Message.Message != "" {
		return re.Message.Message
	}
	return re.Response.Status
}

// undeliverableReason is what moderators read of a failed briefing.
func undeliverableReason(e string) string {
	reason := strings.TrimPrefix(e, bot.ErrUndeliverable.Error()+": ")
	switch {
	case strings.Contains(reason, "Missing Access"), strings.Contains(reason, "Missing Permissions"):
		return "I may not post in that channel; give me Send Messages there or pick another with /briefing set"
	case strings.Contains(reason, "Unknown Channel"):
		return "the channel is gone; pick another with /briefing set"
	}
	return reason
}

// snowflakeAt is the smallest Discord id of a moment, for "after" in a
// message search.
func snowflakeAt(t time.Time) string {
	ms := t.UnixMilli() - 1420070400000
	if ms < 0 {
		ms = 0
	}
	return strconv.FormatInt(ms<<22, 10)
}

func snowflakeLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}
