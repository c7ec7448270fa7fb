package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/mattn/go-isatty"

	"github.com/newsbot/newsbot/bot"
)

// terminalAnswer shows an answer as it is written when stdout is a
// terminal: the model's words stream to stdout, and what the bot is doing
// ("searching…", "writing…") shows on stderr until the words arrive. Piped
// output and JSON get none of it: only the finished answer.
type terminalAnswer struct {
	out     io.Writer // nil: not a terminal, print only the finished answer
	status  io.Writer // nil: stderr is not a terminal
	printed string    // what has been streamed to out so far
	shown   bool      // a status line is on the screen
}

// newTerminalAnswer returns the streamer for one answer; with asJSON, or
// when stdout is not a terminal, it streams nothing.
func (e *env) newTerminalAnswer(asJSON bool) *terminalAnswer {
	t := &terminalAnswer{}
	if asJSON || !isTerminal(e.stdout) {
		return t
	}
	t.out = e.stdout
	if isTerminal(e.stderr) {
		t.status = e.stderr
	}
	return t
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// Status shows what the bot is doing, replacing the previous status.
func (t *terminalAnswer) Status(phase string) {
	if t.status == nil || t.printed != "" {
		return
	}
	fmt.Fprintf(t.status, "\r\x1b[K%s…", phase)
	t.shown = true
}

// clearStatus removes the status line.
func (t *terminalAnswer) clearStatus() {
	if t.shown {
		fmt.Fprint(t.status, "\r\x1b[K")
		t.shown = false
	}
}

// Progress prints the words of partial that were not printed yet. Only
// whole words go out, and only while partial extends what is on the
// screen: checking citations may still change the last word.
func (t *terminalAnswer) Progress(partial string) {
	if t.out == nil {
		return
	}
	cut := strings.LastIndexAny(partial, " \n")
	if cut < 0 {
		return
	}
	ready := partial[:cut+1]
	if len(ready) <= len(t.printed) || !strings.HasPrefix(ready, t.printed) {
		return
	}
	t.clearStatus()
	fmt.Fprint(t.out, ready[len(t.printed):])
	t.printed = ready
}

// Finish prints the rest of the answer's text. When checking citations
// changed what was already streamed, the checked answer follows in full.
func (t *terminalAnswer) Finish(a *bot.Answer, w io.Writer) {
	t.clearStatus()
	switch {
	case t.printed == "":
		fmt.Fprintln(w, a.Text)
	case strings.HasPrefix(a.Text, t.printed):
		fmt.Fprintln(w, a.Text[len(t.printed):])
	default:
		fmt.Fprintf(w, "\n\nWith its citations checked:\n%s\n", a.Text)
	}
}

// Abort clears the status line when the answer failed.
func (t *terminalAnswer) Abort() {
	t.clearStatus()
	if t.printed != "" {
		fmt.Fprintln(t.out)
	}
}
