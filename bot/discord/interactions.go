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

// costly commands use the model or the network and count against the
// user's rate limit.
var costly = []string{cmdAsk, cmdSummarize, cmdAskAbout, cmdLoad}

// adminCommands change the server's library.
var adminCommands = []string{cmdLoad, cmdForget, cmdFeed}

func (b *Bot) onCommand(i *discordgo.Interaction) {
	data := i.ApplicationCommandData()
	name := data.Name
	user := interactionUser(i)
	if name == cmdHelp {
		b.respondNow(i, helpText, true)
		return
	}
	if slices.Contains(adminCommands, name) && !b.mayManage(i) {
		b.respondNow(i, "Only members with Manage Server, or one of the bot's admin roles, can change this server's library.", true)
		return
	}
	if slices.Contains(costly, name) {
		if ok, wait := b.limits.allow(user); !ok {
			b.respondNow(i, fmt.Sprintf("You're asking faster than I can keep up — try again in %d seconds.", int(math.Ceil(wait.Seconds()))), true)
			return
		}
	}
	if !b.begin() {
		b.respondNow(i, restarting, true)
		return
	}
	ephemeral := name == cmdForget || name == cmdFeed
	resp := &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource}
	if ephemeral {
		resp.Data = &discordgo.InteractionResponseData{Flags: discordgo.MessageFlagsEphemeral}
	}
	if err := b.s.InteractionRespond(i, resp); err != nil {
		b.end()
		b.log.Error("acknowledge interaction", "command", name, "err", err)
		return
	}
	r := newInteractionReply(b.s, i, ephemeral)
	go func() {
		defer b.end()
		defer b.recoverPanic("command "+name, r)
		ctx, cancel := context.WithTimeout(b.root, b.opts.AnswerTimeout)
		defer cancel()
		start := time.Now()
		b.runCommand(ctx, i, data, r)
		b.log.Debug("command done", "command", name, "user", user, "took", time.Since(start))
	}()
}

func (b *Bot) runCommand(ctx context.Context, i *discordgo.Interaction, data discordgo.ApplicationCommandInteractionData, r replier) {
	opts := optionMap(data.Options)
	scope := scopeOf(i.GuildID)
	switch data.Name {
	case cmdAsk:
		b.ask(ctx, r, askRequest{question: opts.str(optQuestion), article: opts.str(optArticle), scope: scope})
	case cmdAskAbout:
		b.askAbout(ctx, r, data, scope)
	case cmdSummarize:
		b.summarize(ctx, r, opts, scope)
	case cmdArticles:
		b.listArticles(ctx, r, opts.str(optQuery), scope)
	case cmdLoad:
		b.load(ctx, r, opts, data, i.GuildID)
	case cmdForget:
		b.forget(ctx, r, opts.str(optArticle), i.GuildID)
	case cmdFeed:
		b.feed(ctx, r, data, i)
	default:
		b.fail(r, fmt.Errorf("unknown command %q", data.Name))
	}
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
	if err := r.finish("⚠️ "+b.sorry(r, err), nil); err != nil {
		b.log.Error("send error message", "err", err)
	}
}

// sorry is the core's sentence for err, logged once with the request's
// attributes, plus the command that helps where there is one.
func (b *Bot) sorry(r replier, err error) string {
	msg := b.core.ErrorMessage(err, r.logAttrs()...)
	if errors.Is(err, bot.ErrNotFound) {
		msg = strings.TrimSuffix(msg, ".") + " — check the name with /articles."
	}
	return msg
}

// recoverPanic turns a panic in a handler into a log entry and an apology.
func (b *Bot) recoverPanic(where string, r replier) {
	v := recover()
	if v == nil {
		return
	}
	b.log.Error("panic in handler", "where", where, "panic", v, "stack", string(debug.Stack()))
	if r != nil {
		r.finish(apology, nil)
	}
}

// apology is what a person sees when a handler panics.
const apology = "⚠️ Sorry — something broke while I was working on that. It has been logged; please try again."

// mayManage reports whether the member may change the server's library:
// Manage Server, or one of the configured admin roles.
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

func interactionUser(i *discordgo.Interaction) string {
	if i.Member != nil && i.Member.User != nil {
		return i.Member.User.ID
	}
	if i.User != nil {
		return i.User.ID
	}
	return ""
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

func (o options) str(name string) string {
	if v, ok := o[name]; ok && v.Type == discordgo.ApplicationCommandOptionString {
		s, _ := v.Value.(string)
		return strings.TrimSpace(s)
	}
	return ""
}

func (o options) integer(name string) int {
	if v, ok := o[name]; ok {
		if f, ok := v.Value.(float64); ok {
			return int(f)
		}
	}
	return 0
}

func (o options) raw(name string) (string, bool) {
	v, ok := o[name]
	if !ok {
		return "", false
	}
	s, ok := v.Value.(string)
	return s, ok
}

const helpText = `**newsbot** answers questions about the news articles loaded for this server and cites the exact paragraphs.

• Mention me with a question — I answer in a thread; reply there to follow up.
• ` + "`/ask question:`" + ` — ask directly; add ` + "`article:`" + ` to ask about one article.
• ` + "`/summarize article:`" + ` — a cited summary; ` + "`/summarize topic: days:`" + ` — a digest across articles.
• ` + "`/articles`" + ` — list or search the library.
• ` + "`/load url:`" + ` or ` + "`/load file:`" + ` — add an article or a feed (Manage Server).
• ` + "`/forget article:`" + ` — remove one (Manage Server).
• Right-click a message → Apps → **Ask newsbot about this**.

Each answer ends with its sources: outlet, headline, date and paragraph; the links open the article at that paragraph. **Show quotes** shows the paragraphs themselves. If the articles don't cover something, I say so.`
