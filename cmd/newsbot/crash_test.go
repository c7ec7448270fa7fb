package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/newsbot/newsbot/retrieval/fetch"
	"github.com/newsbot/newsbot/retrieval/fetch/fetchtest"
)

// TestMain lets the test binary stand in for newsbot, so a test can run it
// as a separate process and kill it, and serve as the parser process that
// reads PDFs and web pages.
func TestMain(m *testing.M) {
	fetch.RunParserProcess()
	// Under the race detector, documents are read by a build of the parser
	// without it (see fetchtest); the processes started as newsbot reuse it.
	fetchtest.Parser(fetch.SetParserProgram)
	if os.Getenv("NEWSBOT_TEST_BE_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	code := m.Run()
	for _, f := range cleanups {
		f()
	}
	os.Exit(code)
}

// cleanups remove what tests share across the package (see cleanLibrary),
// after every test has run.
var cleanups []func()

// newsbotProgram is the program a test starts as a separate newsbot process.
// Under the race detector it is newsbot built without the detector, as
// people run it (a tool of the module, built once into the build cache; see
// fetchtest): these tests are about processes, files and signals, and a
// race-built process starts and runs several times slower. Otherwise, or
// if the build fails, it is this test binary, which TestMain turns into
// newsbot when NEWSBOT_TEST_BE_MAIN is set.
var newsbotProgram = sync.OnceValue(func() string {
	if !raceEnabled {
		return os.Args[0]
	}
	path, err := fetchtest.Tool("github.com/newsbot/newsbot/cmd/newsbot")
	if err != nil {
		fmt.Fprintf(os.Stderr, "newsbot built without the race detector: %v; starting the test binary instead\n", err)
		return os.Args[0]
	}
	return path
})

// Killing newsbot in the middle of an ingest loses nothing it reported as
// loaded: the next start reconciles the index with the article files and
// serves every one of them.
func TestKilledIngestLosesNothingReported(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process")
	}
	t.Parallel()
	c := newCLI(t)
	src := t.TempDir()
	const n = 100
	for i := range n {
		body := fmt.Sprintf("Harbor Bulletin Number %d\n\nThe harbor master reported that vessel zq%dx docked at pier %d on Tuesday after a long voyage across the bay.\n\nCrews unloaded cargo through the night.\n", i, i, i%12)
		os.WriteFile(filepath.Join(src, fmt.Sprintf("bulletin-%03d.txt", i)), []byte(body), 0o644)
	}
	cmd := exec.Command(newsbotProgram(), "--data", c.data, "ingest", src)
	cmd.Env = append(os.Environ(), "NEWSBOT_TEST_BE_MAIN=1", noExitSleep)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var reported []string
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) > 1 && f[0] == "added" {
			reported = append(reported, f[1])
		}
		if len(reported) == 40 {
			cmd.Process.Signal(syscall.SIGKILL)
			break
		}
	}
	cmd.Wait()
	if len(reported) < 40 {
		t.Fatalf("only %d articles were reported before the process ended", len(reported))
	}

	var arts struct {
		Articles []struct{ ID string } `json:"articles"`
	}
	if err := json.Unmarshal([]byte(c.mustRun("articles", "--json")), &arts); err != nil {
		t.Fatal(err)
	}
	if len(arts.Articles) >= n {
		t.Fatalf("the process was not interrupted: all %d articles are in", n)
	}
	have := map[string]bool{}
	for _, a := range arts.Articles {
		have[a.ID] = true
	}
	for _, id := range reported {
		if !have[id] {
			t.Errorf("article %s was reported loaded but is gone", id)
		}
	}
	// Every reported article is found by its own unique word.
	for _, id := range reported[:20] {
		var num int
		fmt.Sscanf(id[strings.Index(id, "number-")+len("number-"):], "%d", &num)
		var res struct {
			Results []struct {
				ArticleID string `json:"article_id"`
			} `json:"results"`
		}
		json.Unmarshal([]byte(c.mustRun("search", "--json", "--k", "1", fmt.Sprintf("zq%dx", num))), &res)
		if len(res.Results) != 1 || res.Results[0].ArticleID != id {
			t.Errorf("search for article %s's word: %+v", id, res.Results)
		}
	}
	// And the library can be loaded again to completion, by newsbot run
	// again as after a crash (a process: the rest of the bulletins load in
	// a fifth of the CPU they take in this binary under the race detector).
	again := exec.Command(newsbotProgram(), "--data", c.data, "ingest", src)
	again.Env = append(os.Environ(), "NEWSBOT_TEST_BE_MAIN=1", noExitSleep)
	var stderr strings.Builder
	again.Stderr = &stderr
	outb, err := again.Output()
	if out := string(outb); err != nil || !strings.Contains(out, fmt.Sprintf("%d unchanged", len(arts.Articles))) {
		t.Errorf("re-ingest after the crash: %v: %s%s", err, out[strings.LastIndex(out[:max(len(out)-1, 0)], "\n")+1:], stderr.String())
	}
}
