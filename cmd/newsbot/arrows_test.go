package main

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

const module = "github.com/newsbot/newsbot"

// goPackage is what `go list -json` says of one package.
type goPackage struct {
	ImportPath string
	Dir        string
	GoFiles    []string
	Imports    []string
}

// listPackages lists the module's packages with their direct imports (test
// files aside: a test may build what it needs from any package).
func listPackages(t *testing.T) []goPackage {
	t.Helper()
	pkgs, err := goList()
	if err != nil {
		t.Fatal(err)
	}
	return pkgs
}

// goList runs `go list` once for the tests that read the packages: the
// module does not change while they run. It asks only for goPackage's
// fields: the whole of -json has go list work out much more (each
// package's dependencies, staleness), which took it twice the time.
var goList = sync.OnceValues(func() ([]goPackage, error) {
	cmd := exec.Command("go", "list", "-json=ImportPath,Dir,GoFiles,Imports", module+"/...")
	cmd.Dir = filepath.Join("..", "..")
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %w", err)
	}
	var pkgs []goPackage
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p goPackage
		if err := dec.Decode(&p); err != nil {
			return nil, err
		}
		pkgs = append(pkgs, p)
	}
	return pkgs, nil
})

// within reports whether pkg is root or one of its subpackages.
func within(pkg, root string) bool {
	return pkg == module+"/"+root || strings.HasPrefix(pkg, module+"/"+root+"/")
}

// TestArrows holds the package arrows of the design: adapters reach the
// core only through bot, retrieval and prompts know nothing of the packages
// above them, and the fetcher only fetches.
func TestArrows(t *testing.T) {
	t.Parallel()
	rules := []struct {
		pkg     string            // the package and its subpackages
		allowed func(string) bool // which of our packages they may import
		why     string
	}{
		{"bot/discord", func(p string) bool { return p == module+"/bot" || within(p, "bot/discord") },
			"the Discord adapter reaches the core through bot alone"},
		{"bot/postgres", func(p string) bool { return p == module+"/bot" },
			"the bot's tables in PostgreSQL are the core's stores, nothing more"},
		{"bot/metrics", func(p string) bool { return p == module+"/bot" },
			"metrics count what the core and the adapter report through their Observer interfaces; the adapter's is met by its method set, not imported"},
		{"retrieval", func(p string) bool { return within(p, "retrieval") },
			"retrieval knows articles and search, nothing of the bot or its prompts"},
		{"prompts", func(string) bool { return false }, "prompts render plain structs"},
	}
	pkgs := listPackages(t)
	for _, p := range pkgs {
		for _, r := range rules {
			if !within(p.ImportPath, r.pkg) {
				continue
			}
			for _, imp := range p.Imports {
				if strings.HasPrefix(imp, module+"/") && !r.allowed(imp) {
					t.Errorf("%s imports %s: %s", p.ImportPath, imp, r.why)
				}
			}
		}
		if !within(p.ImportPath, "bot/metrics") && p.ImportPath != module+"/cmd/newsbot" {
			for _, imp := range p.Imports {
				if strings.HasPrefix(imp, "github.com/prometheus/") {
					t.Errorf("%s imports %s: Prometheus is reached only from bot/metrics and the wiring in cmd/newsbot; the core and the adapter report to Observer interfaces", p.ImportPath, imp)
				}
			}
		}
		if p.ImportPath != module+"/bot/discord" && !within(p.ImportPath, "bot/discord") {
			for _, imp := range p.Imports {
				if strings.HasPrefix(imp, "github.com/bwmarrin/discordgo") {
					t.Errorf("%s imports discordgo: only bot/discord talks to Discord", p.ImportPath)
				}
			}
		}
	}
}

// discordWords are the Discord concepts the fetcher must not hold.
var discordWords = regexp.MustCompile(`(?i)guild|channel|discord|subscription|announce`)

// TestFetchOnlyFetches checks that no name in retrieval/fetch speaks of
// Discord or of following feeds: which server follows which feed, and where
// news is announced, belong to bot.Feeds.
func TestFetchOnlyFetches(t *testing.T) {
	t.Parallel()
	for _, p := range listPackages(t) {
		if p.ImportPath != module+"/retrieval/fetch" {
			continue
		}
		fset := token.NewFileSet()
		for _, name := range p.GoFiles {
			f, err := parser.ParseFile(fset, filepath.Join(p.Dir, name), nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(f, func(n ast.Node) bool {
				if id, ok := n.(*ast.Ident); ok && discordWords.MatchString(id.Name) {
					t.Errorf("%s: retrieval/fetch names %q", fset.Position(id.Pos()), id.Name)
				}
				return true
			})
		}
		return
	}
	t.Fatal("retrieval/fetch not found")
}
