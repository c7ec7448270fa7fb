package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newsbot/newsbot/bot/discord/discordtest"
	"github.com/newsbot/newsbot/retrieval"
)

// process is newsbot run as a separate process (the test binary standing in
// for it, see TestMain), with its output collected.
type process struct {
	cmd            *exec.Cmd
	stdout, stderr bytes.Buffer
	done           chan error
}

// noExitSleep keeps a newsbot process built with the race detector (the test
// binary) from sleeping a second when it exits (GORACE atexit_sleep_ms).
const noExitSleep = "GORACE=atexit_sleep_ms=0"

func startNewsbot(t *testing.T, env []string, args ...string) *process {
	t.Helper()
	p := &process{cmd: exec.Command(newsbotProgram(), args...), done: make(chan error, 1)}
	p.cmd.Env = append(append(os.Environ(), "NEWSBOT_TEST_BE_MAIN=1", noExitSleep), env...)
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
	})
	return p
}

// wait returns the process's exit error; a process that outlives the test's
// patience fails the test instead of hanging it.
func (p *process) wait(t *testing.T) error {
	t.Helper()
	select {
	case err := <-p.done:
		p.done <- err
		return err
	case <-time.After(3 * time.Minute):
		t.Fatalf("newsbot %s never ended\nstderr: %s", strings.Join(p.cmd.Args[1:], " "), p.stderr.String())
		return nil
	}
}

// writeBulletins writes n small articles, each with a word of its own
// (zq<prefix><i>x), to a new folder.
func writeBulletins(t *testing.T, prefix string, n int) string {
	t.Helper()
	dir := t.TempDir()
	for i := range n {
		body := fmt.Sprintf("%s Bulletin Number %d\n\nThe harbor master reported that vessel zq%s%dx docked at pier %d on Tuesday after a long voyage.\n\nCrews unloaded cargo through the night.\n", prefix, i, prefix, i, i%12)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s-%03d.txt", prefix, i)), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// checkWhole opens the store directly and checks that it needed no repair
// and that every bulletin is found by its own word.
func checkWhole(t *testing.T, data string, others int, want map[string]int) {
	t.Helper()
	st, stats, err := retrieval.OpenStore(context.Background(), data, retrieval.NewLocalEmbedder(), retrieval.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if stats.Embedded != 0 || stats.Reindexed != 0 || stats.Removed != 0 {
		t.Errorf("the index needed repair after the ingests: %+v", stats)
	}
	total := others
	for prefix, n := range want {
		total += n
		for i := range n {
			word := fmt.Sprintf("zq%s%dx", prefix, i)
			hits, err := st.Search(context.Background(), retrieval.Query{Text: word, K: 1})
			if err != nil || len(hits) != 1 || !strings.Contains(hits[0].Text, word) {
				t.Fatalf("search %s: %v %v", word, hits, err)
			}
		}
	}
	if got := st.Len(); got != total {
		t.Errorf("%d articles in the library, want %d", got, total)
	}
}

// Two ingests at once: the second waits for the first, says so, and both
// end with every article loaded and an index that needs no repair.
func TestTwoIngestsAtOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	t.Parallel()
	data := t.TempDir()
	a, b := writeBulletins(t, "a", 40), writeBulletins(t, "b", 40)
	p1 := startNewsbot(t, nil, "--data", data, "ingest", a)
	p2 := startNewsbot(t, nil, "--data", data, "ingest", b)
	for _, p := range []*process{p1, p2} {
		if err := p.wait(t); err != nil {
			t.Fatalf("%s: %v\nstderr: %s", strings.Join(p.cmd.Args[1:], " "), err, p.stderr.String())
		}
		if !strings.Contains(p.stdout.String(), "40 added") {
			t.Errorf("%s: %s", strings.Join(p.cmd.Args[1:], " "), p.stdout.String())
		}
	}
	waited := p1.stderr.String() + p2.stderr.String()
	if !strings.Contains(waited, "is loading articles; waiting up to") {
		t.Logf("neither ingest had to wait (the first ended before the second began):\n%s", waited)
	}
	checkWhole(t, data, 0, map[string]int{"a": 40, "b": 40})
}

// articles, run again and again while an ingest writes, always lists a
// whole library and never disturbs the ingest (it used to delete the
// ingest's temporary files).
func TestArticlesDuringIngest(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process")
	}
	t.Parallel()
	c := newCLI(t)
	src := writeBulletins(t, "c", 80)
	cmd := exec.Command(newsbotProgram(), "--data", c.data, "ingest", src)
	cmd.Env = append(os.Environ(), "NEWSBOT_TEST_BE_MAIN=1", noExitSleep)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	list := func() {
		t.Helper()
		var arts struct {
			Articles []struct {
				ID         string `json:"id"`
				Paragraphs int    `json:"paragraphs"`
			} `json:"articles"`
		}
		out, errOut, err := c.run("articles", "--json")
		if err != nil {
			t.Fatalf("articles during the ingest: %v\n%s", err, errOut)
		}
		if err := json.Unmarshal([]byte(out), &arts); err != nil {
			t.Fatalf("articles --json during the ingest: %v", err)
		}
		for _, a := range arts.Articles {
			if a.Paragraphs != 2 {
				t.Fatalf("article %s listed with %d paragraphs, want 2", a.ID, a.Paragraphs)
			}
		}
	}
	// articles runs again whenever the ingest has reported another article
	// loaded since the last run: always while the ingest writes the next,
	// never behind it (newsbot without the race detector loads an article
	// quicker than this binary lists them), and not as often as a core
	// allows (a thousand times and more, taking the CPU the ingest needs,
	// the more the slower the machine).
	progress, ended := make(chan struct{}, 1), make(chan struct{})
	go func() {
		defer close(ended)
		for sc := bufio.NewScanner(out); sc.Scan(); {
			select {
			case progress <- struct{}{}:
			default: // a run is due already
			}
		}
	}()
	runs := 0
	for running := true; running; {
		select {
		case <-progress:
			list()
			runs++
		case <-ended:
			running = false
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("ingest: %v\nstderr: %s", err, stderr.String())
	}
	list()
	t.Logf("articles ran %d times during the ingest", runs)
	checkWhole(t, c.data, 0, map[string]int{"c": 80})
}

// A command that finds the folder taken longer than NEWSBOT_LOCK_WAIT says
// what it waited for and gives up; it never hangs.
func TestWaitForTheFolderIsBounded(t *testing.T) {
	t.Parallel()
	c := seededCLI(t)
	lock, err := retrieval.LockFolder(context.Background(), c.data, retrieval.LockOptions{Command: "ingest"})
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Unlock()
	c.env["NEWSBOT_LOCK_WAIT"] = "300ms"
	for _, args := range [][]string{{"search", "Lavrov"}, {"ask", "What did Lavrov call for?"}, {"ingest", seedPath}, {"reindex"}} {
		_, errOut, err := c.run(args...)
		if err == nil {
			t.Fatalf("%s went ahead while another process held the folder", args[0])
		}
		if msg := sentence(err); !strings.Contains(msg, "is still loading articles after") {
			t.Errorf("%s: got %q", args[0], msg)
		}
		if want := fmt.Sprintf("another newsbot (ingest, process %d) is loading articles; waiting up to 300ms…", os.Getpid()); !strings.Contains(errOut, want) {
			t.Errorf("%s: stderr %q, want %q", args[0], errOut, want)
		}
	}
	// Listing needs no lock.
	if out := c.mustRun("articles"); !strings.Contains(out, "Moscow") {
		t.Errorf("articles: %q", out)
	}
}

// Readers share the folder: a search runs while another reader holds it.
func TestReadersShareTheFolder(t *testing.T) {
	t.Parallel()
	c := seededCLI(t)
	lock, err := retrieval.LockFolder(context.Background(), c.data, retrieval.LockOptions{Shared: true, Command: "search"})
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Unlock()
	c.env["NEWSBOT_LOCK_WAIT"] = "1ms"
	if out := c.mustRun("search", "Lavrov"); !strings.Contains(out, "Lavrov") {
		t.Errorf("search beside another reader: %q", out)
	}
}

// Read commands given a data folder that does not exist say so and create
// nothing.
func TestReadCommandsNeverCreateTheDataFolder(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	missing := filepath.Join(c.data, "dta")
	for _, args := range [][]string{{"articles"}, {"ask", "What did Lavrov call for?"}, {"search", "Lavrov"}, {"summarize", "Lavrov"}} {
		err := run(context.Background(), append([]string{"--data", missing}, args...), func(string) string { return "" }, strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{})
		if err == nil || !strings.Contains(sentence(err), "The data folder "+missing+" does not exist") {
			t.Errorf("%s: got %v", args[0], err)
		}
		if _, err := os.Stat(missing); err == nil {
			t.Fatalf("%s created the data folder", args[0])
		}
	}
}

// waitForSocket waits until serve has recorded its socket in the folder.
func waitForSocket(t *testing.T, data string, serveErr *bytes.Buffer) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		raw, _ := os.ReadFile(filepath.Join(data, ".owner"))
		var h retrieval.Holder
		if json.Unmarshal(raw, &h) == nil && h.Socket != "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve never took the folder\n%s", serveErr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// While serve holds the folder, ingest, search, ask and reindex go through
// it (nothing hangs on bolt's lock), and what they load is there after serve
// stops.
func TestCommandsWhileServeRuns(t *testing.T) {
	t.Parallel()
	fake := discordtest.New(t, discordtest.WithToken("the-right-token"), discordtest.WithGuild("123", "G"))
	c := seededCLI(t)
	before := c.mustRun("search", "--json", "Lavrov conference")
	serveEnv := map[string]string{"DISCORD_TOKEN": "the-right-token", "NEWSBOT_DISCORD_API_URL": fake.URL(), "NEWSBOT_DISCORD_GUILD_ID": "123"}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	var serveOut, serveErr bytes.Buffer
	go func() {
		done <- run(ctx, []string{"--data", c.data, "serve"}, func(k string) string { return serveEnv[k] }, strings.NewReader(""), &serveOut, &serveErr)
	}()
	waitForSocket(t, c.data, &serveErr)

	if got := c.mustRun("search", "--json", "Lavrov conference"); got != before {
		t.Errorf("search through serve:\n%s\nwant\n%s", got, before)
	}
	src := writeBulletins(t, "d", 3)
	p := startNewsbot(t, nil, "--data", c.data, "ingest", src) // another process, as a person would run it
	if err := p.wait(t); err != nil || !strings.Contains(p.stdout.String(), "3 added") {
		t.Errorf("ingest through serve: %v\n%s\n%s", err, p.stdout.String(), p.stderr.String())
	}
	if out := c.mustRun("search", "zqd1x"); !strings.Contains(out, "zqd1x") {
		t.Errorf("search for what was loaded through serve: %q", out)
	}
	if out := c.mustRun("ask", "What did Lavrov call for?"); !strings.Contains(out, "Sources") {
		t.Errorf("ask through serve: %q", out)
	}
	if out := c.mustRun("reindex"); !strings.Contains(out, "Reindexed 4 articles") {
		t.Errorf("reindex through serve: %q", out)
	}
	if out := c.mustRun("articles"); strings.Count(out, "\n") != 5 {
		t.Errorf("articles while serve runs: %q", out)
	}
	// A second serve is refused at once.
	c.env = serveEnv
	_, _, err := c.run("serve")
	if err == nil || !strings.Contains(sentence(err), "is already running on") {
		t.Errorf("a second serve: %v", err)
	}
	c.env = map[string]string{}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v\n%s", err, serveErr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
	if out := c.mustRun("search", "zqd2x"); !strings.Contains(out, "zqd2x") {
		t.Errorf("after serve stopped: %q", out)
	}
	checkWhole(t, c.data, 1, map[string]int{"d": 3})
}
