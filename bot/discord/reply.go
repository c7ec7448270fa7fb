package discord

import (
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/newsbot/newsbot/bot"
)

// replier delivers one answer: progress while it is made, then the final
// messages. It hides whether the answer goes to an interaction (edit the
// deferred reply, then follow-ups) or to a channel (a reply message that is
// edited, then more messages).
type replier interface {
	// edit replaces the text of the first message.
	edit(text string) error
	// send posts one more message after the first.
	send(text string, components []discordgo.MessageComponent, ephemeral bool) error
	// finish sets the final text and buttons of the first message.
	finish(text string, components []discordgo.MessageComponent) error
	// fail tells the person a failure: privately where Discord allows,
	// so a channel sees answers, not errors.
	fail(text string) error
	// logAttrs say whose request this is, for the one log line of a
	// failure.
	logAttrs() []any
}

// deliver sends texts: the first finishes the first message, the others
// follow; components go on the last message.
func deliver(r replier, texts []string, components []discordgo.MessageComponent) error {
	if len(texts) == 0 {
		texts = []string{"…"}
	}
	first := components
	if len(texts) > 1 {
		first = nil
	}
	if err := r.finish(texts[0], first); err != nil {
		return err
	}
	for i, t := range texts[1:] {
		var c []discordgo.MessageComponent
		if i == len(texts)-2 {
			c = components
		}
		if err := r.send(t, c, false); err != nil {
			return err
		}
	}
	return nil
}

// interactionReply answers a deferred interaction. Its token lives 15
// minutes; past 14 the answer goes to the channel as ordinary messages.
type interactionReply struct {
	s         *discordgo.Session
	i         *discordgo.Interaction
	started   time.Time
	ephemeral bool          // the deferred reply is visible to its caller only; so are follow-ups
	request   string        // the request id, for the log; "" when none
	channel   *channelReply // used once the token is too old
}

func newInteractionReply(s *discordgo.Session, i *discordgo.Interaction, ephemeral bool, request string) *interactionReply {
	return &interactionReply{s: s, i: i, started: time.Now(), ephemeral: ephemeral, request: request}
}

func (r *interactionReply) logAttrs() []any { return withRequest(interactionAttrs(r.i), r.request) }

// withRequest adds the request id to a log line's attributes: for lines
// logged without the request's context (bot.ErrorMessage takes none).
func withRequest(attrs []any, request string) []any {
	if request == "" {
		return attrs
	}
	return append(attrs, bot.RequestIDKey, request)
}

// tokenLife is how long the bot trusts an interaction token (Discord's
// lasts 15 minutes).
const tokenLife = 14 * time.Minute

func (r *interactionReply) expired() bool {
	if r.channel == nil && time.Since(r.started) > tokenLife {
		r.channel = &channelReply{s: r.s, channelID: r.i.ChannelID, request: r.request}
	}
	return r.channel != nil
}

func (r *interactionReply) edit(text string) error {
	if r.expired() {
		return nil // progress is not worth a new message
	}
	_, err := r.s.InteractionResponseEdit(r.i, &discordgo.WebhookEdit{Content: &text, AllowedMentions: noMentions()})
	return err
}

func (r *interactionReply) finish(text string, components []discordgo.MessageComponent) error {
	if r.expired() {
		if r.ephemeral {
			return nil
		}
		return r.channel.finish(text, components)
	}
	if components == nil {
		components = []discordgo.MessageComponent{}
	}
	_, err := r.s.InteractionResponseEdit(r.i, &discordgo.WebhookEdit{Content: &text, Components: &components, AllowedMentions: noMentions()})
	return err
}

// fail replaces a public deferred answer by a private message: it deletes
// the public "thinking…" (or the answer so far) and follows up for the
// asker's eyes only. Deleting comes first: while a deferred response
// stands, Discord may take the first follow-up as that response, public.
// If the delete fails, the failure is shown where the answer would have
// been.
func (r *interactionReply) fail(text string) error {
	if r.ephemeral || r.expired() {
		return r.finish(text, nil)
	}
	if err := r.s.InteractionResponseDelete(r.i); err != nil {
		return r.finish(text, nil)
	}
	_, err := r.s.FollowupMessageCreate(r.i, true, &discordgo.WebhookParams{Content: text, Flags: discordgo.MessageFlagsEphemeral, AllowedMentions: noMentions()})
	return err
}

func (r *interactionReply) send(text string, components []discordgo.MessageComponent, ephemeral bool) error {
	if r.expired() {
		if r.ephemeral {
			return nil // never post a private answer in the channel
		}
		return r.channel.send(text, components, ephemeral)
	}
	p := &discordgo.WebhookParams{Content: text, Components: components, AllowedMentions: noMentions()}
	if ephemeral || r.ephemeral {
		p.Flags = discordgo.MessageFlagsEphemeral
	}
	_, err := r.s.FollowupMessageCreate(r.i, true, p)
	return err
}

// channelReply answers in a channel: the first message replies to the
// question's message and is edited as the answer grows.
type channelReply struct {
	s         *discordgo.Session
	channelID string
	replyTo   string // message id, optional
	request   string // the request id, for the log; "" when none

	mu    sync.Mutex
	first *discordgo.Message
}

func (r *channelReply) logAttrs() []any {
	return withRequest([]any{"channel", r.channelID, "message", r.replyTo}, r.request)
}

func (r *channelReply) edit(text string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.setFirst(text, nil)
}

func (r *channelReply) finish(text string, components []discordgo.MessageComponent) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if components == nil {
		components = []discordgo.MessageComponent{}
	}
	return r.setFirst(text, components)
}

// setFirst posts the first message, or edits it once it exists.
func (r *channelReply) setFirst(text string, components []discordgo.MessageComponent) error {
	if r.first == nil {
		m := &discordgo.MessageSend{Content: text, Components: components, AllowedMentions: noMentions(), Flags: discordgo.MessageFlagsSuppressEmbeds}
		if r.replyTo != "" {
			m.Reference = &discordgo.MessageReference{MessageID: r.replyTo, ChannelID: r.channelID, FailIfNotExists: boolPtr(false)}
		}
		msg, err := r.s.ChannelMessageSendComplex(r.channelID, m)
		if err != nil {
			return err
		}
		r.first = msg
		return nil
	}
	e := &discordgo.MessageEdit{ID: r.first.ID, Channel: r.channelID, Content: &text, AllowedMentions: noMentions(), Flags: discordgo.MessageFlagsSuppressEmbeds}
	if components != nil {
		e.Components = &components
	}
	_, err := r.s.ChannelMessageEditComplex(e)
	return err
}

// fail replies in the channel: a message can't be answered privately.
func (r *channelReply) fail(text string) error { return r.finish(text, nil) }

func (r *channelReply) send(text string, components []discordgo.MessageComponent, _ bool) error {
	_, err := r.s.ChannelMessageSendComplex(r.channelID, &discordgo.MessageSend{
		Content: text, Components: components, AllowedMentions: noMentions(), Flags: discordgo.MessageFlagsSuppressEmbeds,
	})
	return err
}

// sendAnswer delivers a finished answer, opened by its header, with its
// sources and buttons: "Show quotes" when it cites paragraphs that it
// doesn't quote already, and the votes when feedback is kept.
func (b *Bot) sendAnswer(r replier, a *bot.Answer, meta answered) {
	meta.answer, meta.at = a, time.Now()
	id := b.answers.add(meta)
	if err := deliver(r, renderAnswer(a, meta.header), b.answerButtons(a, id)); err != nil {
		b.log.Error("deliver answer", append(r.logAttrs(), "err", err)...)
	}
}

// Custom ids of the buttons under an answer: a prefix, then the answer's
// id in the answer cache.
const (
	quotesPrefix = "quotes:"
	votePrefix   = "vote:" // then the vote, ":" and the id
)

// answerButtons are the buttons under an answer. In extractive mode the
// answer is already made of quotes, so "Show quotes" would only repeat it.
func (b *Bot) answerButtons(a *bot.Answer, id string) []discordgo.MessageComponent {
	var buttons []discordgo.MessageComponent
	if len(a.Citations) > 0 && a.Mode != bot.ModeExtractive {
		buttons = append(buttons, discordgo.Button{Label: "Show quotes", Style: discordgo.SecondaryButton, CustomID: quotesPrefix + id})
	}
	if b.opts.Feedback != nil {
		vote := func(v bot.Vote, emoji, label string) discordgo.Button {
			return discordgo.Button{Label: label, Emoji: &discordgo.ComponentEmoji{Name: emoji}, Style: discordgo.SecondaryButton,
				CustomID: votePrefix + string(v) + ":" + id}
		}
		buttons = append(buttons, vote(bot.VoteUp, "👍", ""), vote(bot.VoteDown, "👎", ""))
		if len(a.Citations) > 0 {
			buttons = append(buttons, vote(bot.VoteWrongSource, "⚠️", "Wrong source"))
		}
	}
	if len(buttons) == 0 {
		return nil
	}
	return []discordgo.MessageComponent{discordgo.ActionsRow{Components: buttons}}
}
