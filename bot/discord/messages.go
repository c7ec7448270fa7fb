package discord

import (
	"context"
	"regexp"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/bot/discord/markdown"
)

// onMessage answers a message that mentions the bot (in a new thread under
// it, or in place inside a thread), a reply to one of the bot's messages,
// and any message in a thread the bot started: those continue the
// conversation.
func (b *Bot) onMessage(s *discordgo.Session, mc *discordgo.MessageCreate) {
	defer b.recoverPanic("message", nil)
	m := mc.Message
	me := b.botID()
	if m.Author == nil || m.Author.Bot || m.Author.ID == me || me == "" {
		return
	}
	mentioned := false
	for _, u := range m.Mentions { // @everyone and @here are not in Mentions
		if u.ID == me {
			mentioned = true
		}
	}
	replyToMe := m.ReferencedMessage != nil && m.ReferencedMessage.Author != nil && m.ReferencedMessage.Author.ID == me
	myThread := b.isMyThread(m.ChannelID, me)
	if !mentioned && !replyToMe && !myThread {
		return
	}
	question := stripMention(m.Content, me)
	if question == "" {
		return
	}
	request := bot.NewRequestID()
	ctx := bot.WithRequestID(b.root, request)
	b.log.InfoContext(ctx, "question", "guild", m.GuildID, "channel", m.ChannelID, "message", m.ID, "user", m.Author.ID)
	settings := b.serverSettings(m.GuildID)
	if !b.answersIn(settings, m.ChannelID) {
		// Moderators keep the bot out of this channel: stay quiet, as a
		// reply here would be what they asked the bot not to do.
		b.log.DebugContext(ctx, "not answering in this channel", "guild", m.GuildID, "channel", m.ChannelID)
		b.refused(true, reasonChannel)
		return
	}
	if ok, wait := b.allowQuestion(m.GuildID, m.Author.ID, settings); !ok {
		b.log.InfoContext(ctx, "refused: asking too fast", "wait", wait)
		b.replyPlain(m, tooFast(wait), request)
		b.refused(true, reasonRateLimited)
		return
	}
	if !b.begin() {
		b.replyPlain(m, restarting, request)
		b.refused(true, reasonShuttingDown)
		return
	}
	go func() {
		defer b.end()
		ctx, cancel := context.WithTimeout(ctx, b.opts.AnswerTimeout)
		defer cancel()
		b.answerMessage(ctx, m, question, mentioned && !myThread && !replyToMe && !settings.NoThreads, settings)
	}()
}

// answerMessage answers m in a new thread under it (newThread) or in its
// own channel, with the conversation so far.
func (b *Bot) answerMessage(ctx context.Context, m *discordgo.Message, question string, newThread bool, settings bot.Settings) {
	channel := m.ChannelID
	replyTo := m.ID
	if newThread && m.GuildID != "" && !b.isThread(m.ChannelID) {
		th, err := b.s.MessageThreadStartComplex(m.ChannelID, m.ID, &discordgo.ThreadStart{
			Name: threadName(question), AutoArchiveDuration: 1440,
		})
		if err != nil {
			b.log.WarnContext(ctx, "could not start a thread; answering in the channel", "channel", m.ChannelID, "err", err)
		} else {
			channel, replyTo = th.ID, ""
			b.threads.add(th.ID)
		}
	}
	history, err := b.turns.Turns(ctx, channel)
	if err != nil {
		b.log.Warn("read the conversation so far; answering without it", "channel", channel, "err", err)
	}
	if len(history) == 0 && m.ReferencedMessage != nil && m.ReferencedMessage.Author != nil && m.ReferencedMessage.Author.ID == b.botID() {
		history = []bot.Turn{{Answer: m.ReferencedMessage.Content}} // the conversation predates a restart
	}
	r := &channelReply{s: b.s, channelID: channel, replyTo: replyTo, request: bot.RequestID(ctx)}
	defer b.recoverPanic("mention", r)
	b.s.ChannelTyping(channel)
	// A message carries no locale: without a server language the model
	// answers in the question's.
	a := b.ask(ctx, r, askRequest{question: question, scope: scopeOf(m.GuildID), history: history, language: b.answerLanguage(settings, "")})
	if a != nil {
		if err := b.turns.AddTurn(ctx, channel, bot.Turn{Question: question, Answer: a.Text}, keepTurns); err != nil {
			b.log.Warn("keep the conversation's turn", "channel", channel, "err", err)
		}
	}
}

// isMyThread reports whether a channel is a thread the bot started, from
// memory or, after a restart, from the state cache (no REST call per
// message).
func (b *Bot) isMyThread(channelID, me string) bool {
	if b.threads.has(channelID) {
		return true
	}
	ch, err := b.stateChannel(channelID)
	return err == nil && ch.IsThread() && ch.OwnerID == me
}

// isThread reports whether a channel is a thread, from the state cache or
// by asking Discord.
func (b *Bot) isThread(channelID string) bool {
	if b.threads.has(channelID) {
		return true
	}
	ch, err := b.stateChannel(channelID)
	if err != nil {
		ch, err = b.s.Channel(channelID)
	}
	return err == nil && ch.IsThread()
}

// replyPlain sends a short reply to a message.
func (b *Bot) replyPlain(m *discordgo.Message, text, request string) {
	r := &channelReply{s: b.s, channelID: m.ChannelID, replyTo: m.ID, request: request}
	if err := r.finish(text, nil); err != nil {
		b.log.Error("reply", append(r.logAttrs(), "err", err)...)
	}
}

var mentionPattern = regexp.MustCompile(`<@!?(\d+)>`)

// stripMention removes the bot's own mention from a message.
func stripMention(content, me string) string {
	out := mentionPattern.ReplaceAllStringFunc(content, func(s string) string {
		if mentionPattern.FindStringSubmatch(s)[1] == me {
			return ""
		}
		return s
	})
	return strings.Join(strings.Fields(out), " ")
}

// threadName is a thread title from the question, within Discord's 100
// characters.
func threadName(q string) string {
	q = strings.Join(strings.Fields(q), " ")
	if q == "" {
		return "newsbot"
	}
	return truncateRunes(markdown.DefuseMentions(q), 90)
}
