package retrieval

import (
	"runtime"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// hangAfter is how long one fuzz input may take before it counts as a hang.
const hangAfter = 10 * time.Second

// withinDeadline runs fn and fails t, with every goroutine's stack, when it has not returned
// within hangAfter.
func withinDeadline(t *testing.T, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	timer := time.NewTimer(hangAfter)
	defer timer.Stop()
	select {
	case <-done:
	case <-timer.C:
		buf := make([]byte, 1<<20)
		t.Fatalf("still running after %s:\n%s", hangAfter, buf[:runtime.Stack(buf, true)])
	}
}

// FuzzArticleFile reads arbitrary bytes as an article file, as the library does at start-up and
// ingest does for .md files: no panic, no hang, and an article that reads back is one that
// survives being written and read again unchanged, so a file a person edits by hand keeps what
// it says.
func FuzzArticleFile(f *testing.F) {
	if data, err := MarshalArticle(sampleArticle()); err == nil {
		f.Add(data)
	}
	f.Add([]byte("---\nid: a-1\ntitle: T\nscope: global\n---\n\nText.\n"))
	f.Add([]byte("\ufeff---\r\nid: a-1\r\ntitle: T: with colon\r\npublished_at: 2024-03-12T09:30:00.5+01:00\r\n---\r\n\r\nOne\r\nline.\r\n\r\n---\r\n"))
	f.Add([]byte("---\nid: a-1\ntitle: T\nurl: https://example.com/a\nsource: S\nauthor:\nloaded_at: 2024-01-02\nscope: 123\n---\n\n\n\nA\n \nB\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var (
			a   *Article
			err error
		)
		withinDeadline(t, func() {
			a, err = unmarshalArticle(data)
			ImportFile("fuzz.md", data) // the ingest path: front matter without an id or scope
		})
		if err != nil {
			return
		}
		again, err := MarshalArticle(a)
		if err != nil {
			t.Fatalf("an article that was read cannot be written: %v", err)
		}
		b, err := unmarshalArticle(again)
		if err != nil {
			t.Fatalf("an article that was written cannot be read: %v\n%s", err, again)
		}
		if diff := cmp.Diff(a, b); diff != "" {
			t.Fatalf("written and read again, the article changed (-read +again):\n%s", diff)
		}
	})
}
