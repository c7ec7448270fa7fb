package main

import (
	"strings"
	"testing"
)

// Mistakes in the command line exit 2, as for most Unix commands; other
// failures exit 1.
func TestExitCodes(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"bogus"}, 2, `unknown command "bogus"`},
		{[]string{"serv"}, 2, `did you mean "serve"?`},
		{[]string{"articles", "extra"}, 2, `unexpected argument "extra"`},
		{[]string{"articles", "--bogus"}, 2, "unknown flag: --bogus"},
		{[]string{"search", "--k", "many", "x"}, 2, `--k must be a whole number, not "many"`},
		{[]string{"ask"}, 2, "the question is missing"},
		{[]string{"eval", "--corpus", "x"}, 2, "--queries"},
		{[]string{"summarize"}, 2, "name an article"},
		{[]string{"search", "--k", "0", "x"}, 2, "--k must be between 1 and 50"},
		{[]string{"ingest", "/no/such/file.txt"}, 1, "no such file"},
		{[]string{"serve"}, 1, "DISCORD_TOKEN is not set"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			_, _, err := c.run(tt.args...)
			if err == nil {
				t.Fatal("no error")
			}
			if got := exitCode(err); got != tt.code {
				t.Errorf("exit code %d, want %d (%v)", got, tt.code, err)
			}
			if !strings.Contains(strings.ToLower(sentence(err)), strings.ToLower(tt.want)) {
				t.Errorf("got %q, want it to mention %q", sentence(err), tt.want)
			}
		})
	}
}

// TestVersion sets the package's buildVersion, as the linker would, so it
// does not run in parallel: the other tests' runs read it.
func TestVersion(t *testing.T) {
	c := newCLI(t)
	out := c.mustRun("--version")
	if !strings.HasPrefix(out, "newsbot ") || !strings.Contains(out, "go1.") {
		t.Errorf("--version printed %q", out)
	}
	buildVersion = "v9.8.7"
	t.Cleanup(func() { buildVersion = "" })
	if out := c.mustRun("--version"); !strings.HasPrefix(out, "newsbot v9.8.7 ") {
		t.Errorf("with -X main.buildVersion=v9.8.7, --version printed %q", out)
	}
}
