package discord

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/newsbot/newsbot/bot"
)

// onInteraction routes an interaction. Commands are acknowledged at once,
// before any retrieval or model call, and answered on their own goroutine.
func (b *Bot) onInteraction(s *discordgo.Session, ic *discordgo.InteractionCreate) {
	i := ic.Interaction
	defer func() {
		if v := recover(); v != nil {
			b.log.Error("panic in handler", "where", "interaction", "panic", v, "stack", string(debug.Stack()))
			if i.Type != discordgo.InteractionApplicationCommandAutocomplete {
				b.respondNow(i, apology, true) // fails harmlessly if it was acknowledged already
			}
		}
	}()
	switch i.Type {
	case discordgo.InteractionApplicationCommand:
		b.onCommand(i)
	case discordgo.InteractionApplicationCommandAutocomplete:
		b.onAutocomplete(i)
	case discordgo.InteractionMessageComponent:
		b.onComponent(i)
	}
}

// job is the work a command asks for, once it passed the checks that need
// no work: who may run it, where, with what input.
type job struct {
	// private answers only the person who asked; otherwise the answer is
	// public and a failure turns private (see interactionReply.fail).
	private bool
	// costly work uses the model or the network and counts against the
	// member's rate limit.
	costly bool
	run    func(ctx context.Context, r replier)
}

// onCommand checks a command, then acknowledges it and runs its job. A
// command refused by the checks (no permission, wrong channel, bad input,
// too fast) is answered at once and privately, so the channel never sees a
// public "thinking…" that ends in an error; a command that needs work is
// deferred within Discord's 3 seconds, publicly if its answer is public.
//
// Each command gets a request id, carried by its context into every log
// line of its work (see bot.LogHandler), and the time to its
// acknowledgement goes to the Observer, as does every question refused
// here, before the core sees it.
func (b *Bot) onCommand(i *discordgo.Interaction) {
	arrived := time.Now()
	data := i.ApplicationCommandData()
	name := data.Name
	user := interactionUser(i)
	request := bot.NewRequestID()
	ctx := bot.WithRequestID(b.root, request)
	question := name == cmdAsk || name == cmdAskAbout
	b.log.InfoContext(ctx, "command", interactionAttrs(i)...)
	settings := b.serverSettings(i.GuildID)
	j, err := b.plan(i, data, settings)
	if err != nil {
		b.refuse(i, request, err)
		b.acked(arrived)
		b.refused(question, refusalReason(err))
		return
	}
	if j == nil {
		b.acked(arrived)
		return // answered already
	}
	if j.costly {
		if ok, wait := b.allowQuestion(i.GuildID, user, settings); !ok {
			b.log.InfoContext(ctx, "refused: asking too fast", "wait", wait)
			b.respondNow(i, tooFast(wait), true)
			b.acked(arrived)
			b.refused(question, reasonRateLimited)
			return
		}
	}
	if !b.begin() {
		b.respondNow(i, restarting, true)
		b.acked(arrived)
		b.refused(question, reasonShuttingDown)
		return
	}
	resp := &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource}
	if j.private {
		resp.Data = &discordgo.InteractionResponseData{Flags: discordgo.MessageFlagsEphemeral}
	}
	if err := b.s.InteractionRespond(i, resp); err != nil {
		b.end()
		b.log.ErrorContext(ctx, "acknowledge interaction", "command", name, "err", err)
		b.refused(question, reasonNoAck)
		return
	}
	b.acked(arrived)
	r := newInteractionReply(b.s, i, j.private, request)
	go func() {
		defer b.end()
		defer b.recoverPanic("command "+name, r)
		ctx, cancel := context.WithTimeout(ctx, b.opts.AnswerTimeout)
		defer cancel()
		start := time.Now()
		j.run(ctx, r)
		b.log.DebugContext(ctx, "command done", "command", name, "user", user, "took", time.Since(start))
	}()
}

// Reasons for refusing a question that only the adapter knows, as the
// Observer hears them beside bot.Reason's.
const (
	reasonRateLimited  = "rate_limited"  // the member asks faster than their rate limit
	reasonShuttingDown = "shutting_down" // the bot is stopping
	reasonChannel      = "channel"       // the server keeps the bot out of the channel
	reasonNoAck        = "discord_error" // Discord refused the acknowledgement
)

// refusalReason names why the checks refused a command.
func refusalReason(err error) string {
	var wc wrongChannel
	if errors.As(err, &wc) {
		return reasonChannel
	}
	return bot.Reason(err)
}

// refused tells the Observer of a question refused before the core saw it;
// commands that are no questions are not counted.
func (b *Bot) refused(question bool, reason string) {
	if question {
		b.obs.Asked(bot.Outcome{Refused: reason})
	}
}

// acked tells the Observer how long the acknowledgement of a command took
// from its arrival.
func (b *Bot) acked(arrived time.Time) { b.obs.Acked(time.Since(arrived)) }

// plan checks a command and returns its job; nil with no error when the
// command was answered on the spot.
func (b *Bot) plan(i *discordgo.Interaction, data discordgo.ApplicationCommandInteractionData, settings bot.Settings) (*job, error) {
	opts := optionMap(data.Options)
	scope := scopeOf(i.GuildID)
	switch data.Name {
	case cmdHelp:
		b.respondNow(i, b.helpText(i), true)
		return nil, nil
	case cmdAsk:
		if err := b.checkChannel(i, settings); err != nil {
			return nil, err
		}
		return b.planAsk(i, opts, scope, settings)
	case cmdAskAbout:
		if err := b.checkChannel(i, settings); err != nil {
			return nil, err
		}
		return b.planAskAbout(i, data, scope, settings)
	case cmdSummarize:
		if err := b.checkChannel(i, settings); err != nil {
			return nil, err
		}
		return b.planSummarize(i, data, scope, settings)
	case cmdArticles:
		query := opts.str(optQuery)
		return &job{run: func(ctx context.Context, r replier) { b.listArticles(ctx, r, query, scope) }}, nil
	case cmdLoad:
		if err := b.checkManage(i, "change this server's library"); err != nil {
			return nil, err
		}
		return b.planLoad(i, data, opts)
	case cmdForget:
		if err := b.checkManage(i, "change this server's library"); err != nil {
			return nil, err
		}
		return b.planForget(i, opts)
	case cmdFeed:
		return b.planFeed(i, data)
	case cmdSettings:
		if err := b.checkManage(i, "change this server's settings"); err != nil {
			return nil, err
		}
		return b.planSettings(i, data)
	case cmdBriefing:
		return b.planBriefing(i, data)
	case cmdTimeline:
		if err := b.checkChannel(i, settings); err != nil {
			return nil, err
		}
		return b.planTimeline(i, opts, scope, settings)
	}
	return nil, fmt.Errorf("unknown command %q", data.Name)
}

// refuse answers a command that can't run, privately, in one sentence.
func (b *Bot) refuse(i *discordgo.Interaction, request string, err error) {
	b.respondNow(i, "⚠️ "+b.sorry(withRequest(interactionAttrs(i), request), err), true)
}

// respondNow answers an interaction in one step (no deferral), for answers
// that need no work.
func (b *Bot) respondNow(i *discordgo.Interaction, text string, ephemeral bool) {
	d := &discordgo.InteractionResponseData{Content: text, AllowedMentions: noMentions()}
	if ephemeral {
		d.Flags = discordgo.MessageFlagsEphemeral
	}
	if err := b.s.InteractionRespond(i, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource, Data: d}); err != nil {
		b.log.Error("respond to interaction", "err", err)
	}
}

// fail tells the person what went wrong, in one sentence.
func (b *Bot) fail(r replier, err error) {
	if err := r.fail("⚠️ " + b.sorry(r.logAttrs(), err)); err != nil {
		b.log.Error("send error message", append(r.logAttrs(), "err", err)...)
	}
}

// sorry is the core's sentence for err, logged once with the request's
// attributes, plus the command that helps where there is one.
func (b *Bot) sorry(attrs []any, err error) string {
	msg := b.core.ErrorMessage(err, attrs...)
	switch {
	case errors.Is(err, bot.ErrNotFound):
		msg = strings.TrimSuffix(msg, ".") + " — check the name with /articles."
	case errors.Is(err, bot.ErrClaimed):
		msg = strings.TrimSuffix(msg, ".") + " (/load with reload:True)."
	}
	return msg
}

// tooFast is what a member hears who asks faster than the rate limit.
func tooFast(wait time.Duration) string {
	return fmt.Sprintf("You're asking faster than I can keep up — try again in %d seconds.", int(math.Ceil(wait.Seconds())))
}

// recoverPanic turns a panic in a handler into a log entry and an apology.
func (b *Bot) recoverPanic(where string, r replier) {
	v := recover()
	if v == nil {
		return
	}
	b.log.Error("panic in handler", "where", where, "panic", v, "stack", string(debug.Stack()))
	if r != nil {
		r.fail(apology)
	}
}

// apology is what a person sees when a handler panics.
const apology = "⚠️ Sorry — something broke while I was working on that. It has been logged; please try again."

// mayManage reports whether the member may change the server's library
// and settings: Manage Server, or one of the configured admin roles.
func (b *Bot) mayManage(i *discordgo.Interaction) bool {
	if i.Member == nil {
		return false // DMs hold the global library, which only the owner changes
	}
	if i.Member.Permissions&discordgo.PermissionManageGuild != 0 || i.Member.Permissions&discordgo.PermissionAdministrator != 0 {
		return true
	}
	for _, role := range i.Member.Roles {
		if slices.Contains(b.opts.AdminRoles, role) {
			return true
		}
	}
	return false
}

// checkManage refuses members who may not manage the server, naming what
// they tried to do.
func (b *Bot) checkManage(i *discordgo.Interaction, what string) error {
	if b.mayManage(i) {
		return nil
	}
	if i.Member == nil {
		return &bot.InputError{Err: errors.New("that works in a server, not in direct messages")}
	}
	return &bot.InputError{Err: fmt.Errorf("only members with Manage Server, or one of the bot's admin roles, can %s", what)}
}

func interactionUser(i *discordgo.Interaction) string {
	if i.Member != nil && i.Member.User != nil {
		return i.Member.User.ID
	}
	if i.User != nil {
		return i.User.ID
	}
	return ""
}

func interactionAttrs(i *discordgo.Interaction) []any {
	attrs := []any{"interaction", i.ID, "guild", i.GuildID, "channel", i.ChannelID, "user", interactionUser(i)}
	if d, ok := i.Data.(discordgo.ApplicationCommandInteractionData); ok {
		attrs = append(attrs, "command", d.Name)
	}
	return attrs
}

// options reads command options by name.
type options map[string]*discordgo.ApplicationCommandInteractionDataOption

func optionMap(opts []*discordgo.ApplicationCommandInteractionDataOption) options {
	m := options{}
	for _, o := range opts {
		m[o.Name] = o
	}
	return m
}

// subcommand returns the sub-command a command was run with, its group's
// name ("" when it has none) and its options.
func subcommand(data discordgo.ApplicationCommandInteractionData) (group, name string, opts options) {
	if len(data.Options) == 0 {
		return "", "", options{}
	}
	o := data.Options[0]
	if o.Type == discordgo.ApplicationCommandOptionSubCommandGroup {
		group = o.Name
		if len(o.Options) == 0 {
			return group, "", options{}
		}
		o = o.Options[0]
	}
	return group, o.Name, optionMap(o.Options)
}

func (o options) str(name string) string {
	if v, ok := o[name]; ok && v.Type == discordgo.ApplicationCommandOptionString {
		s, _ := v.Value.(string)
		return strings.TrimSpace(s)
	}
	return ""
}

func (o options) integer(name string) (int, bool) {
	if v, ok := o[name]; ok {
		if f, ok := v.Value.(float64); ok {
			return int(f), true
		}
	}
	return 0, false
}

func (o options) boolean(name string) (value, ok bool) {
	if v, ok := o[name]; ok {
		b, ok := v.Value.(bool)
		return b, ok
	}
	return false, false
}

func (o options) raw(name string) (string, bool) {
	v, ok := o[name]
	if !ok {
		return "", false
	}
	s, ok := v.Value.(string)
	return s, ok
}
