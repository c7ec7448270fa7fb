package main

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/knadh/koanf/parsers/yaml"
	"github.com/spf13/cobra"
)

func readRepoFile(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile("../../" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// dockerfileLine returns the arguments of the Dockerfile's last instr line.
func dockerfileLine(t *testing.T, dockerfile, instr string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^`+instr+` (.*)$`).FindAllStringSubmatch(dockerfile, -1)
	if len(m) == 0 {
		t.Fatalf("the Dockerfile has no %s", instr)
	}
	return m[len(m)-1][1]
}

// shellWords splits a command line into words, honouring double quotes
// and dropping a comment.
func shellWords(line string) []string {
	line, _, _ = strings.Cut(line, " #")
	var out []string
	for _, m := range regexp.MustCompile(`"([^"]*)"|(\S+)`).FindAllStringSubmatch(line, -1) {
		out = append(out, m[1]+m[2])
	}
	return out
}

// checkCommand says whether args (after "newsbot") are a command line
// newsbot accepts: a known command, known flags, the arguments it wants.
func checkCommand(args []string) error {
	root := newRootCommand(context.Background(), func(string) string { return "" }, nil, nil, nil)
	cmd, rest, err := root.Find(args)
	if err != nil {
		return err
	}
	if err := cmd.ParseFlags(rest); err != nil {
		return err
	}
	if cmd == root {
		return cobra.NoArgs(cmd, cmd.Flags().Args())
	}
	return cmd.ValidateArgs(cmd.Flags().Args())
}

// The Dockerfile, compose.yaml, .ci/run and the README's "Running it for a
// community" agree: the same build line, commands newsbot knows, settings
// that exist, the same data volume and user.
func TestContainerAgreesWithREADME(t *testing.T) {
	t.Parallel()
	dockerfile := readRepoFile(t, "Dockerfile")
	readme := readRepoFile(t, "README.md")
	_, section, ok := strings.Cut(readme, "\n## Running it for a community\n")
	if !ok {
		t.Fatal(`the README has no "Running it for a community" section`)
	}
	section, _, _ = strings.Cut(section, "\n## ")

	// One build line: the README's is the Dockerfile's, and CI reads it
	// from the Dockerfile rather than keeping a copy.
	build := dockerfileLine(t, dockerfile, "RUN CGO_ENABLED=0")
	build = "CGO_ENABLED=0 " + build
	if !strings.Contains(build, "-o /out/newsbot ./cmd/newsbot") || !strings.Contains(build, "-X main.buildVersion=") {
		t.Fatalf("the Dockerfile's build line %q does not build ./cmd/newsbot to /out/newsbot with a version", build)
	}
	if want := strings.Replace(build, "-o /out/newsbot", "-o newsbot", 1); !strings.Contains(section, "\n"+want+"\n") {
		t.Errorf("the README does not build with the Dockerfile's line:\n%s", want)
	}
	if ci := readRepoFile(t, ".ci/run"); !strings.Contains(ci, `sed -n 's/^RUN \(CGO_ENABLED=0 go build .*\)$/\1/p' Dockerfile`) {
		t.Error(".ci/run does not take its build line from the Dockerfile")
	}

	// The image: non-root, data in the volume, serve by default.
	volume := strings.Trim(dockerfileLine(t, dockerfile, "VOLUME"), `[]" `)
	for _, tt := range []struct{ instr, want string }{
		{"USER", "65532:65532"},
		{"ENV", "NEWSBOT_DATA_DIR=" + volume},
		{"ENTRYPOINT", `["/usr/local/bin/newsbot"]`},
		{"CMD", `["serve"]`},
	} {
		if got := dockerfileLine(t, dockerfile, tt.instr); got != tt.want {
			t.Errorf("Dockerfile %s %s, want %s", tt.instr, got, tt.want)
		}
	}
	if !strings.Contains(section, "sudo chown 65532:65532 newsbot.toml") || !strings.Contains(section, "volume `"+volume+"`") ||
		!strings.Contains(section, "default command is `serve`") {
		t.Errorf("the README does not describe the image's user 65532, its volume %s and its default command serve", volume)
	}

	// Every newsbot command the README runs is one newsbot accepts.
	var ran int
	for _, line := range strings.Split(section, "\n") {
		words := shellWords(line)
		var args []string
		switch {
		case len(words) > 4 && slices.Equal(words[:4], []string{"docker", "compose", "run", "--rm"}) && words[4] == "newsbot":
			args = words[5:]
		case len(words) > 0 && words[0] == "./newsbot":
			args = words[1:]
		default:
			continue
		}
		ran++
		if err := checkCommand(args); err != nil {
			t.Errorf("README: %q: %v", line, err)
		}
	}
	if ran < 3 {
		t.Errorf("found %d newsbot commands in the README's section, want doctor, ingest and serve at least", ran)
	}

	// compose.yaml runs a command newsbot knows, with settings that exist,
	// the image's volume and the config file where NEWSBOT_CONFIG says.
	compose, err := yaml.Parser().Unmarshal([]byte(readRepoFile(t, "compose.yaml")))
	if err != nil {
		t.Fatal(err)
	}
	svc, _ := compose["services"].(map[string]any)["newsbot"].(map[string]any)
	if svc == nil {
		t.Fatal("compose.yaml has no newsbot service")
	}
	var command []string
	for _, w := range svc["command"].([]any) {
		command = append(command, w.(string))
	}
	if err := checkCommand(command); err != nil {
		t.Errorf("compose.yaml's command %q: %v", command, err)
	}
	env := svc["environment"].(map[string]any)
	for k := range env {
		known := k == "NEWSBOT_CONFIG" || slices.ContainsFunc(settings, func(s setting) bool { return s.env == k || s.env+"_FILE" == k })
		if !known {
			t.Errorf("compose.yaml sets %s, which newsbot does not read", k)
		}
	}
	// The health and metrics port: the one newsbot listens on, the one the
	// image exposes, and published on the machine's loopback alone.
	_, port, _ := strings.Cut(fmt.Sprint(env["NEWSBOT_HTTP_ADDR"]), ":")
	if got := dockerfileLine(t, dockerfile, "EXPOSE"); port == "" || got != port {
		t.Errorf("compose.yaml listens on port %q (NEWSBOT_HTTP_ADDR), the Dockerfile exposes %q", port, got)
	}
	if ports, _ := svc["ports"].([]any); len(ports) != 1 || ports[0] != "127.0.0.1:"+port+":"+port {
		t.Errorf("compose.yaml publishes %v, want the metrics port %s on 127.0.0.1 only", svc["ports"], port)
	}
	var volumes []string
	for _, v := range svc["volumes"].([]any) {
		volumes = append(volumes, v.(string))
	}
	if !slices.Contains(volumes, "data:"+volume) || !slices.Contains(volumes, "./newsbot.toml:"+env["NEWSBOT_CONFIG"].(string)+":ro") {
		t.Errorf("compose.yaml's volumes %q do not mount the data volume at %s and newsbot.toml at NEWSBOT_CONFIG", volumes, volume)
	}
}
