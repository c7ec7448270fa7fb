package discord

// Idle returns a channel that is closed once the bot has finished every
// request it began: its answers and their follow-ups are sent. Tests wait
// on it instead of sleeping.
func (b *Bot) Idle() <-chan struct{} { return b.idleChan() }
