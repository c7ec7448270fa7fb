package discord

import (
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
)

// streamer shows a growing answer by editing the first message, at most
// once per interval: Discord rate-limits faster edits, and people can't
// read faster either.
//
// A failed progress edit costs nothing a person needs, since the final
// message is sent whatever happened to the progress, so it is logged once
// per answer and editing goes on; only when Discord says the message can't
// be edited at all (a 4xx other than 429: unknown message, expired token,
// missing access) do the edits stop.
type streamer struct {
	r        replier
	header   string // opens every progress message
	interval time.Duration
	started  time.Time
	log      *slog.Logger

	mu      sync.Mutex
	text    string
	dirty   bool
	stopped bool
	done    chan struct{}
	wg      sync.WaitGroup

	failed int  // progress edits that failed; only the loop touches it
	gaveUp bool // a failure that retrying can't fix; only the loop touches it
}

func newStreamer(r replier, header string, interval time.Duration, log *slog.Logger) *streamer {
	st := &streamer{r: r, header: header, interval: interval, started: time.Now(), log: log, done: make(chan struct{})}
	st.wg.Add(1)
	go st.loop()
	return st
}

// update records the answer so far; the next tick shows it.
func (st *streamer) update(partial string) {
	st.mu.Lock()
	st.text, st.dirty = partial, true
	st.mu.Unlock()
}

func (st *streamer) loop() {
	defer st.wg.Done()
	t := time.NewTicker(st.interval)
	defer t.Stop()
	for {
		select {
		case <-st.done:
			return
		case <-t.C:
			st.mu.Lock()
			text, dirty := st.text, st.dirty
			st.dirty = false
			st.mu.Unlock()
			if dirty && !st.gaveUp {
				st.edit(text)
			}
		}
	}
}

// edit shows text as progress and notes a failure.
func (st *streamer) edit(text string) {
	err := st.r.edit(renderProgress(st.header, text, time.Since(st.started)))
	if err == nil {
		return
	}
	st.failed++
	st.gaveUp = permanent(err)
	if st.failed == 1 {
		st.log.Warn("could not show the answer's progress", append(st.r.logAttrs(), "err", err, "giving_up", st.gaveUp)...)
	}
}

// permanent reports whether Discord refused a request in a way that
// repeating it can't change.
func permanent(err error) bool {
	var re *discordgo.RESTError
	if !errors.As(err, &re) || re.Response == nil {
		return false
	}
	code := re.Response.StatusCode
	return code >= 400 && code < 500 && code != http.StatusTooManyRequests
}

// stop ends the edits; it returns once no edit is in flight, so the final
// message can't be overwritten by a late progress edit.
func (st *streamer) stop() {
	st.mu.Lock()
	if !st.stopped {
		st.stopped = true
		close(st.done)
	}
	st.mu.Unlock()
	st.wg.Wait()
}
