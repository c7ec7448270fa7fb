package discord

import (
	"context"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/newsbot/newsbot/bot"
)

// forgotten is what a button under an answer given before the bot's last
// restart says: answers are kept in memory only.
const forgotten = "I no longer have that answer in memory (I have restarted since) — ask again to see its quotes or rate it."

// onComponent handles the buttons under an answer: "Show quotes" shows
// the cited paragraphs privately; 👍, 👎 and "Wrong source" record a vote.
func (b *Bot) onComponent(i *discordgo.Interaction) {
	id := i.MessageComponentData().CustomID
	switch {
	case strings.HasPrefix(id, quotesPrefix):
		b.showQuotes(i, strings.TrimPrefix(id, quotesPrefix))
	case strings.HasPrefix(id, votePrefix):
		vote, answerID, _ := strings.Cut(strings.TrimPrefix(id, votePrefix), ":")
		b.vote(i, bot.Vote(vote), answerID)
	}
}

func (b *Bot) showQuotes(i *discordgo.Interaction, id string) {
	a, ok := b.answers.get(id)
	if !ok {
		b.respondNow(i, forgotten, true)
		return
	}
	pages := renderQuotes(a.answer)
	b.respondNow(i, pages[0], true)
	for _, p := range pages[1:] {
		if _, err := b.s.FollowupMessageCreate(i, true, &discordgo.WebhookParams{Content: p, Flags: discordgo.MessageFlagsEphemeral, AllowedMentions: noMentions()}); err != nil {
			b.log.Error("send quotes", "err", err)
			return
		}
	}
}

// voteThanks is what a voter reads, by vote.
var voteThanks = map[bot.Vote]string{
	bot.VoteUp:          "👍 Thanks — noted that this answer helped.",
	bot.VoteDown:        "👎 Thanks — noted that this answer didn't help.",
	bot.VoteWrongSource: "⚠️ Thanks — noted that a source doesn't say what the answer claims.",
}

// vote records a vote on an answer. The acknowledgement comes first
// (private, deferred), since storing may take longer than Discord waits.
func (b *Bot) vote(i *discordgo.Interaction, v bot.Vote, id string) {
	a, ok := b.answers.get(id)
	switch {
	case b.opts.Feedback == nil:
		b.respondNow(i, "Feedback is not kept on this bot.", true)
		return
	case voteThanks[v] == "":
		b.respondNow(i, "⚠️ I don't know that button — ask again to get a fresh answer.", true)
		return
	case !ok:
		b.respondNow(i, forgotten, true)
		return
	}
	if !b.begin() {
		b.respondNow(i, restarting, true)
		return
	}
	err := b.s.InteractionRespond(i, &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseDeferredChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Flags: discordgo.MessageFlagsEphemeral},
	})
	if err != nil {
		b.end()
		b.log.Error("acknowledge vote", "err", err)
		return
	}
	r := newInteractionReply(b.s, i, true, "")
	go func() {
		defer b.end()
		defer b.recoverPanic("vote", r)
		ctx, cancel := context.WithTimeout(b.root, b.opts.AnswerTimeout)
		defer cancel()
		prev, err := b.opts.Feedback.Rate(ctx, bot.Rating{
			AnswerID: id, Scope: a.scope, Kind: a.kind, AskedAt: a.at, Question: a.asked, Answer: a.answer,
			User: interactionUser(i), Vote: v,
		})
		if err != nil {
			b.fail(r, err)
			return
		}
		msg := voteThanks[v]
		if prev != "" && prev != v {
			msg += " (It replaces your earlier vote.)"
		}
		r.finish(msg, nil)
	}()
}
