package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/creack/pty"

	"github.com/newsbot/newsbot/bot/modeltest"
)

// terminal is a pseudo-terminal the program writes to, with everything
// it showed so far.
type terminal struct {
	tty    *os.File
	mu     sync.Mutex
	seen   bytes.Buffer
	change chan struct{} // receives after each read
}

func newTerminal(t *testing.T) *terminal {
	t.Helper()
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal here: %v", err)
	}
	term := &terminal{tty: tty, change: make(chan struct{}, 1)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 4096)
		for {
			n, err := ptmx.Read(buf)
			term.mu.Lock()
			term.seen.Write(buf[:n])
			term.mu.Unlock()
			select {
			case term.change <- struct{}{}:
			default:
			}
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		tty.Close()
		ptmx.Close()
		<-done
	})
	return term
}

// text returns what the terminal showed, with its line endings as written.
func (term *terminal) text() string {
	term.mu.Lock()
	defer term.mu.Unlock()
	return strings.ReplaceAll(term.seen.String(), "\r\n", "\n")
}

// waitFor returns once the terminal showed s, or fails when ctx ends.
func (term *terminal) waitFor(ctx context.Context, t *testing.T, s string) {
	t.Helper()
	for !strings.Contains(term.text(), s) {
		select {
		case <-term.change:
		case <-ctx.Done():
			t.Fatalf("the terminal never showed %q; it showed %q", s, term.text())
		}
	}
}

// On a terminal the model's words appear while it is still writing, after
// "searching…" and "writing…" on stderr.
func TestAskStreamsToATerminal(t *testing.T) {
	t.Parallel()
	model := modeltest.New(t)
	answer := "Lavrov called for an international conference on the war [1]. He wants the UN to convene it [1]."
	// Six words, then nothing until the client gives up. The last word
	// sent may be cut in the middle, so the terminal holds it back.
	model.Script(modeltest.StallStream(answer, 6))
	c := seededCLI(t)
	c.env["OPENAI_BASE_URL"] = model.URL()
	out, errTerm := newTerminal(t), newTerminal(t)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	waitCtx, stop := context.WithTimeout(ctx, testWait)
	defer stop()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--data", c.data, "ask", "What did Lavrov call for?"}, func(k string) string { return c.env[k] },
			strings.NewReader(""), out.tty, errTerm.tty)
	}()
	out.waitFor(waitCtx, t, "Lavrov called for an international")
	if strings.Contains(out.text(), "conference") {
		t.Errorf("words the model has not sent yet are on the screen: %q", out.text())
	}
	errTerm.waitFor(waitCtx, t, "searching…")
	errTerm.waitFor(waitCtx, t, "writing…")
	cancel()
	if err := <-done; err == nil {
		t.Error("an answer cut short by cancelling reported no error")
	}
}

// A streamed answer ends as the piped one does: each word once, then the
// sources; piped output and --json show no status and no partial text.
func TestAskOutputOnATerminalAndPiped(t *testing.T) {
	t.Parallel()
	model := modeltest.New(t)
	answer := "Lavrov called for an international conference on the war [1]."
	model.Script(modeltest.Text(answer), modeltest.Text(answer), modeltest.Text(answer))
	c := seededCLI(t)
	c.env["OPENAI_BASE_URL"] = model.URL()

	out, errTerm := newTerminal(t), newTerminal(t)
	err := run(context.Background(), []string{"--data", c.data, "ask", "What did Lavrov call for?"}, func(k string) string { return c.env[k] },
		strings.NewReader(""), out.tty, errTerm.tty)
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithTimeout(context.Background(), testWait)
	defer stop()
	out.waitFor(ctx, t, "Sources")
	piped, stderr, err := c.run("ask", "What did Lavrov call for?")
	if err != nil {
		t.Fatal(err)
	}
	if got := out.text(); got != piped {
		t.Errorf("terminal showed\n%q\npiped output is\n%q", got, piped)
	}
	if strings.Count(piped, "international conference") != 1 || !strings.Contains(piped, "Sources") {
		t.Errorf("piped output %q", piped)
	}
	if strings.Contains(stderr, "…") {
		t.Errorf("piped run wrote status to stderr: %q", stderr)
	}
	js, _, err := c.run("ask", "--json", "What did Lavrov call for?")
	if err != nil || !strings.HasPrefix(js, "{") {
		t.Errorf("ask --json: %q, %v", js, err)
	}
}

// testWait bounds how long a test waits for the program to show
// something; it is a safety net, not a timing assertion.
const testWait = 60e9
