package main

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/newsbot/newsbot/bot/modeltest"
)

// stopAndTime sends SIGTERM and returns how long the process took to end.
func stopAndTime(t *testing.T, p *process) time.Duration {
	t.Helper()
	start := time.Now()
	p.cmd.Process.Signal(syscall.SIGTERM)
	p.wait(t)
	return time.Since(start)
}

// SIGTERM ends a long ingest promptly, and what it reported loaded stays.
func TestSIGTERMEndsALongIngest(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process")
	}
	t.Parallel()
	c := newCLI(t)
	src := writeBulletins(t, "e", 300)
	cmd := exec.Command(newsbotProgram(), "--data", c.data, "ingest", src)
	cmd.Env = append(os.Environ(), "NEWSBOT_TEST_BE_MAIN=1", noExitSleep)
	p := &process{cmd: cmd, done: make(chan error, 1)}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = &p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	var reported []string
	for len(reported) < 20 && sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) > 1 && f[0] == "added" {
			reported = append(reported, f[1])
		}
	}
	go func() {
		io.Copy(io.Discard, out)
		p.done <- cmd.Wait()
	}()
	t.Cleanup(func() { cmd.Process.Kill() })
	took := stopAndTime(t, p)
	t.Logf("ingest ended %s after SIGTERM", took)
	if !strings.Contains(p.stderr.String(), "newsbot: Stopped.") {
		t.Errorf("stderr after SIGTERM: %q", p.stderr.String())
	}
	lib := c.mustRun("articles")
	for _, id := range reported {
		if !strings.Contains(lib, id) {
			t.Errorf("article %s was reported loaded but is gone", id)
		}
	}
}

// A search whose embeddings server accepts the request and never answers
// ends on SIGTERM, and on its own at NEWSBOT_EMBED_TIMEOUT.
func TestSilentEmbeddingsServer(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process")
	}
	t.Parallel()
	srv := modeltest.New(t)
	c := newCLI(t)
	c.env["NEWSBOT_EMBED_BASE_URL"] = srv.URL()
	c.env["NEWSBOT_EMBED_MODEL"] = "test-embed"
	c.mustRun("ingest", seedPath)

	// The probe for the vectors' size is answered; the query never is.
	srv.ScriptEmbeddings(modeltest.Response{}, modeltest.Hang())
	before := len(srv.Requests())
	p := startNewsbot(t, []string{"NEWSBOT_EMBED_BASE_URL=" + srv.URL(), "NEWSBOT_EMBED_MODEL=test-embed"}, "--data", c.data, "search", "Lavrov conference")
	for deadline := time.Now().Add(time.Minute); len(srv.Requests()) < before+2; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the search never asked for the query's vector\n%s", p.stderr.String())
		}
	}
	took := stopAndTime(t, p)
	t.Logf("search on a silent embeddings server ended %s after SIGTERM", took)
	if !strings.Contains(p.stderr.String(), "newsbot: Stopped.") {
		t.Errorf("stderr after SIGTERM: %q", p.stderr.String())
	}

	// Without a signal, the request's own deadline ends it.
	srv.ScriptEmbeddings(modeltest.Response{}, modeltest.Hang())
	c.env["NEWSBOT_EMBED_TIMEOUT"] = "300ms"
	_, _, err := c.run("search", "Lavrov conference")
	if err == nil || sentence(err) != "That took too long and was stopped." {
		t.Errorf("search on a silent embeddings server: %v", err)
	}
}

// OPENAI_API_KEY goes to the chat endpoint and to an embeddings endpoint on
// the same host, never to an embeddings endpoint elsewhere.
func TestCredentialsStayWithTheirHost(t *testing.T) {
	t.Parallel()
	chat, embed := modeltest.New(t), modeltest.New(t)
	const key = "sk-chat-secret"
	for _, tc := range []struct {
		name, embedKey string
		wantAuth       string
	}{
		{"no embeddings key", "", ""},
		{"an embeddings key of its own", "sk-embed", "Bearer sk-embed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCLI(t)
			c.env["OPENAI_API_KEY"] = key
			c.env["OPENAI_BASE_URL"] = chat.URL()
			c.env["NEWSBOT_EMBED_BASE_URL"] = embed.URL()
			c.env["NEWSBOT_EMBED_MODEL"] = "test-embed"
			c.env["NEWSBOT_EMBED_API_KEY"] = tc.embedKey
			seen := len(embed.Requests())
			c.mustRun("ingest", seedPath)
			c.mustRun("ask", "What did Lavrov call for?")
			if len(embed.Requests()) == seen {
				t.Fatal("the embeddings server was never asked")
			}
			for _, r := range embed.Requests()[seen:] {
				if got := r.Header.Get("Authorization"); got != tc.wantAuth {
					t.Fatalf("the embeddings server got Authorization %q, want %q", got, tc.wantAuth)
				}
			}
		})
	}
	reqs := chat.ChatRequests()
	if len(reqs) == 0 {
		t.Fatal("the chat server was never asked")
	}
	for _, r := range chat.Requests() {
		if got := r.Header.Get("Authorization"); got != "Bearer "+key {
			t.Errorf("the chat server got Authorization %q", got)
		}
	}
	// The same host on another path is the same endpoint: it gets the key.
	cfg, err := loadConfig(func(k string) string {
		return map[string]string{"OPENAI_API_KEY": key, "OPENAI_BASE_URL": "http://127.0.0.1:8080/v1", "NEWSBOT_EMBED_BASE_URL": "http://127.0.0.1:8080/embed/v1"}[k]
	}, configFlags{})
	if err != nil || cfg.EmbedKey != key {
		t.Errorf("same host: embed key %q, %v", cfg.EmbedKey, err)
	}
	cfg, _ = loadConfig(func(k string) string {
		return map[string]string{"OPENAI_API_KEY": key, "NEWSBOT_EMBED_BASE_URL": "http://127.0.0.1:11434/v1"}[k]
	}, configFlags{})
	if cfg.EmbedKey != "" {
		t.Errorf("OpenAI's key would go to a local embeddings server: %q", cfg.EmbedKey)
	}
}

// A question's length is counted in characters, as the refusals say.
func TestLongQuestionInCJK(t *testing.T) {
	t.Parallel()
	c := seededCLI(t)
	q := strings.Repeat("拉夫罗夫呼吁", 117) // 702 characters, 2106 bytes
	if _, errOut, err := c.run("ask", q); err != nil {
		t.Errorf("a 702-character question: %v\n%s", err, errOut)
	}
	if _, errOut, err := c.run("search", strings.Repeat("拉夫罗夫呼吁", 300)); err != nil {
		t.Errorf("a 1800-character query: %v\n%s", err, errOut)
	}
	_, _, err := c.run("search", strings.Repeat("拉", 2001))
	if err == nil || !strings.Contains(sentence(err), "longer than 2000 characters") {
		t.Errorf("a 2001-character query: %v", err)
	}
}
