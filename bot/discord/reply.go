package discord

import (
	"fmt"
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
	channel   *channelReply // used once the token is too old
}

func newInteractionReply(s *discordgo.Session, i *discordgo.Interaction, ephemeral bool) *interactionReply {
	return &interactionReply{s: s, i: i, started: time.Now(), ephemeral: ephemeral}
}

func (r *interactionReply) logAttrs() []any {
	attrs := []any{"interaction", r.i.ID, "guild", r.i.GuildID, "channel", r.i.ChannelID, "user", interactionUser(r.i)}
	if d, ok := r.i.Data.(discordgo.ApplicationCommandInteractionData); ok {
		attrs = append(attrs, "command", d.Name)
	}
	return attrs
}

// tokenLife is how long the bot trusts an interaction token (Discord's
// lasts 15 minutes).
const tokenLife = 14 * time.Minute

func (r *interactionReply) expired() bool {
	if r.channel == nil && time.Since(r.started) > tokenLife {
		r.channel = &channelReply{s: r.s, channelID: r.i.ChannelID}
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

	mu    sync.Mutex
	first *discordgo.Message
}

func (r *channelReply) logAttrs() []any {
	return []any{"channel", r.channelID, "message", r.replyTo}
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

func (r *channelReply) send(text string, components []discordgo.MessageComponent, _ bool) error {
	_, err := r.s.ChannelMessageSendComplex(r.channelID, &discordgo.MessageSend{
		Content: text, Components: components, AllowedMentions: noMentions(), Flags: discordgo.MessageFlagsSuppressEmbeds,
	})
	return err
}

// quotesButton is the "Show quotes" button of an answer with citations.
func quotesButton(id string) []discordgo.MessageComponent {
	return []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
		discordgo.Button{Label: "Show quotes", Style: discordgo.SecondaryButton, CustomID: quotesPrefix + id},
	}}}
}

const quotesPrefix = "quotes:"

// sendAnswer delivers a finished answer with its sources and, when it cites
// anything, a button that shows the quoted paragraphs.
func (b *Bot) sendAnswer(r replier, a *bot.Answer) error {
	var components []discordgo.MessageComponent
	if len(a.Citations) > 0 {
		components = quotesButton(b.answers.add(a))
	}
	if err := deliver(r, renderAnswer(a), components); err != nil {
		return fmt.Errorf("send answer: %w", err)
	}
	return nil
}
