package fetch

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// hostileRequest is how a corpus file is read: as a PDF or as a web page.
func hostileRequest(name string) (string, parseRequest) {
	if strings.HasSuffix(name, ".pdf") {
		return "PDF", parseRequest{Kind: "pdf"}
	}
	return "page", parseRequest{Kind: "html", URL: "https://news.example.com/a"}
}

func readHostile(tb testing.TB, name string) []byte {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join(hostileDir, name))
	if err != nil {
		tb.Fatalf("%v (run go generate ./retrieval/fetch)", err)
	}
	return data
}

// checkRefusal fails unless err refuses the document for the reason the corpus names.
func checkRefusal(t *testing.T, d hostileDoc, err error) {
	t.Helper()
	var le *limitError
	switch {
	case err == nil:
		t.Fatalf("%s was read as an article; want it refused (%s)", d.name, d.why)
	case d.refusal == "" && !errors.Is(err, errNotArticle):
		t.Fatalf("got %v, want ErrNotArticle", err)
	case d.refusal != "" && !errors.As(err, &le):
		t.Fatalf("got %v, want a LimitError for %s", err, d.refusal)
	case d.refusal != "" && le.Limit != d.refusal:
		t.Fatalf("refused for %s (%v), want %s", le.Limit, err, d.refusal)
	}
}

// Every hostile document ends in an error that names the reason, with the bot's limits but for
// time: each is refused for what it is, not for the deadline a busy machine might reach first
// (the deadline has its own tests below; BenchmarkHostile measures how long each takes).
// slowerParser widens the limits of all but the memory bomb under the race detector, which
// slows the parser process tenfold and multiplies its memory.
func TestHostileDocumentsRefused(t *testing.T) {
	var (
		x       = newIsolator(slowerParser(Limits{Timeout: 2 * time.Minute}))
		plainly = newIsolator(Limits{Timeout: 2 * time.Minute})
	)
	for _, d := range hostileCorpus() {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			format, req := hostileRequest(d.name)
			iso := x
			if d.refusal == limitMemory {
				iso = plainly
			}
			_, err := iso.run(context.Background(), format, req, readHostile(t, d.name))
			checkRefusal(t, d, err)
		})
	}
}

// The public entry points run the same guarded parsers with the default limits.
func TestHostileDocumentsThroughReadPDFAndReadHTML(t *testing.T) {
	for _, d := range hostileCorpus() {
		switch d.name {
		case "kids-self.pdf", "flate-bomb.pdf", "prev-loop.pdf", "deep-text.html", "huge-attribute.html":
		default:
			continue
		}
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			data := readHostile(t, d.name)
			var err error
			if strings.HasSuffix(d.name, ".pdf") {
				_, err = ReadPDF(context.Background(), data)
			} else {
				_, err = ReadHTML(context.Background(), data, "")
			}
			checkRefusal(t, d, err)
		})
	}
}

// A parse in flight ends when its caller gives up, with the caller's error, not a refusal, and
// its process is killed: shutting the bot down does not wait for a document.
func TestParseStopsWithItsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	x := newIsolator(Limits{})
	pids := make(chan int, 1)
	x.started = func(pid int) { pids <- pid; cancel() }
	_, err := x.run(ctx, "page", parseRequest{Kind: "html"}, []byte(bigPage(5<<20)))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if pid := <-pids; syscall.Kill(pid, 0) == nil {
		t.Errorf("parser process %d still runs", pid)
	}
}

// A parse past its deadline ends in a LimitError for time, whether the parser process stops
// itself between steps or is killed in the middle of one (here, readability on 5 MB; the clock
// is set to end it as soon as its processor time could).
func TestParseStopsAtItsDeadline(t *testing.T) {
	x := newIsolator(Limits{Timeout: 500 * time.Millisecond})
	x.wall = x.lim.Timeout
	_, err := x.run(context.Background(), "page", parseRequest{Kind: "html"}, []byte(bigPage(5<<20)))
	var le *limitError
	if !errors.As(err, &le) || le.Limit != limitTime {
		t.Fatalf("got %v, want a LimitError for time", err)
	}
}

// The parser process stops itself when its processor time runs out, between the steps of a page
// that the clock alone would let run on.
func TestParseStopsAfterItsProcessorTime(t *testing.T) {
	x := newIsolator(Limits{Timeout: time.Millisecond})
	x.wall = time.Minute
	_, err := x.run(context.Background(), "page", parseRequest{Kind: "html"}, []byte(bigPage(1<<20)))
	var le *limitError
	if !errors.As(err, &le) || le.Limit != limitTime || !strings.Contains(err.Error(), "processor time") {
		t.Fatalf("got %v, want a LimitError for time from the parser process itself", err)
	}
}

// A healthy document is read however long the machine keeps its parser process from a
// processor: the deadline counts the time the process computes, not the time it waits. Here the
// process is stopped for six times its deadline.
func TestBusyMachineDoesNotRefuseAHealthyDocument(t *testing.T) {
	for _, tc := range []struct {
		format string
		req    parseRequest
		data   []byte
	}{
		{"PDF", parseRequest{Kind: "pdf"}, articlePDF()},
		{"page", parseRequest{Kind: "html", URL: "https://news.example.com/a"}, []byte(articlePage("Ferry Service Resumes", longParagraphs("Ferry", 3)...))},
	} {
		t.Run(tc.format, func(t *testing.T) {
			t.Parallel()
			x := newIsolator(Limits{Timeout: 500 * time.Millisecond})
			x.wall = time.Minute
			x.started = func(pid int) {
				syscall.Kill(pid, syscall.SIGSTOP)
				time.AfterFunc(3*time.Second, func() { syscall.Kill(pid, syscall.SIGCONT) })
			}
			resp, err := x.run(context.Background(), tc.format, tc.req, tc.data)
			if err != nil || resp.Document == nil || len(resp.Document.Paragraphs) == 0 {
				t.Fatalf("got %+v, %v; want the document read", resp.Document, err)
			}
		})
	}
}

// BenchmarkHostile measures what each hostile document costs the bot to refuse: wall time per
// refusal (ns/op) and the parser process's peak resident memory (child-MB).
//
//	go test ./retrieval/fetch -run XXX -bench Hostile -benchtime 1x
func BenchmarkHostile(b *testing.B) {
	x := newIsolator(Limits{})
	for _, d := range hostileCorpus() {
		data := readHostile(b, d.name)
		format, req := hostileRequest(d.name)
		b.Run(d.name, func(b *testing.B) {
			var peak int64
			for b.Loop() {
				_, st, err := x.runStats(context.Background(), format, req, data)
				if err == nil {
					b.Fatalf("%s was read as an article", d.name)
				}
				peak = max(peak, st.MaxRSS)
			}
			b.ReportMetric(float64(peak)/(1<<20), "child-MB")
		})
	}
}
