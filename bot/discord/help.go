package discord

import "github.com/bwmarrin/discordgo"

const helpText = `**newsbot** answers questions about the news articles loaded for this server and cites the exact paragraphs.

• Mention me with a question — I answer in a thread; reply there to follow up.
• ` + "`/ask question:`" + ` — ask directly; add ` + "`article:`" + ` to ask about one article.
• ` + "`/summarize article:`" + ` — a cited summary; ` + "`/summarize topic: days:`" + ` — a digest across articles.
• ` + "`/articles`" + ` — list or search the library.
• ` + "`/feed list`" + ` — the news feeds this server follows.
• ` + "`/timeline topic:`" + ` — how a story developed, event by event, each dated and cited.
• ` + "`/briefing show`" + ` — the server's daily briefing; ` + "`/briefing now`" + ` previews it for you.
• Right-click a message → Apps → **Ask newsbot about this**.

Each answer opens with its question and ends with its sources: outlet, headline, date and paragraph; the links open the article at that paragraph. **Show quotes** shows the paragraphs themselves; 👍, 👎 and **Wrong source** tell the bot's owner how it did. If the articles don't cover something, I say so.`

const adminHelp = `

**For moderators** (Manage Server or an admin role):
• ` + "`/load url:`" + ` or ` + "`/load file:`" + ` — add an article or a feed (` + "`reload:True`" + ` replaces a stored article with the same address); ` + "`/forget article:`" + ` — remove one.
• ` + "`/feed add url:`" + `, ` + "`/feed remove feed:`" + ` — follow news feeds.
• ` + "`/settings`" + ` — where I answer, the rate limit, threads, the answer language and the time zone.
• ` + "`/briefing set channel: time: topic:`" + ` — a daily cited digest of what arrived; ` + "`/briefing off`" + ` stops it.`

// noModelHelp tells admins why answers are quotes.
const noModelHelp = `
• ℹ️ No chat model is configured, so answers are sentences quoted from the articles. The bot's owner can set OPENAI_API_KEY (or OPENAI_BASE_URL for a local server such as Ollama) for written answers.`

// helpText is /help: for everyone, plus what moderators can do and, for
// them, whether a chat model is configured.
func (b *Bot) helpText(i *discordgo.Interaction) string {
	if !b.mayManage(i) {
		return helpText
	}
	text := helpText + adminHelp
	if !b.core.ModelConfigured() {
		text += noModelHelp
	}
	return text
}
