package main

import (
	"flag"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// exportsBase names an older checkout of the module to compare with:
//
//	go test ./cmd/newsbot -run TestExportedNames -v -exports.base=/path/to/old/checkout
//
// logs how many of the names exported there are still exported here.
var exportsBase = flag.String("exports.base", "", "an older checkout of the module whose exported names to compare with")

// exportChecked are the packages whose exported names must each have a user
// in another package. The test doubles (bot/modeltest, bot/storetest,
// bot/discord/discordtest, retrieval/postgres/pgtest, retrieval/retrievaltest)
// are left out: exporting for other packages' tests is what they are for.
var exportChecked = []string{
	"bot",
	"bot/discord",
	"bot/discord/markdown",
	"bot/postgres",
	"retrieval",
	"retrieval/fetch",
	"retrieval/postgres",
	"retrieval/sentence",
	"retrieval/site",
}

// interfaceMethods are methods that other code calls through an interface
// of the standard library or of a dependency, never by name in this module.
var interfaceMethods = map[string]bool{
	"Error": true, "Unwrap": true, "Is": true, "As": true, "String": true, "Format": true,
	"ServeHTTP": true, "RoundTrip": true, "Read": true, "Write": true, "Close": true,
	"MarshalJSON": true, "UnmarshalJSON": true, "MarshalText": true, "UnmarshalText": true,
	"LogValue": true, "Len": true, "Less": true, "Swap": true, "RuntimeError": true,
	"HandleNotification": true, "HandleBacklog": true, // pgxlisten.Handler
}

// exported is one exported name of a package: a top-level name, or a
// method of an exported type (Recv is its receiver's type name). Exported
// methods of unexported types are not counted: no other package can name
// them, only reach them through an interface.
type exported struct {
	Name string
	Recv string
	Pos  string
	// Names are the package's own exported names that its declaration
	// mentions (parameter, result and field types): a caller that uses
	// it uses them too, if only through a value.
	Names []string
}

func (e exported) String() string {
	if e.Recv != "" {
		return e.Recv + "." + e.Name
	}
	return e.Name
}

// goFile is one parsed file of the module, with the directory of its package.
type goFile struct {
	dir  string // relative to the module root, with slashes
	file *ast.File
}

// parseModule parses every Go file of the module below root, tests and
// files behind build tags included: each is a user of what it names.
func parseModule(t testing.TB, root string) (*token.FileSet, []goFile) {
	t.Helper()
	fset := token.NewFileSet()
	var files []goFile
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "data") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, filepath.Dir(path))
		if err != nil {
			return err
		}
		files = append(files, goFile{dir: filepath.ToSlash(rel), file: f})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return fset, files
}

// exportedNames lists the exported top-level names and methods that the
// non-test files of the package in dir declare.
func exportedNames(fset *token.FileSet, files []goFile, dir string) []exported {
	var names []exported
	for _, f := range files {
		if f.dir != dir || strings.HasSuffix(fset.Position(f.file.Package).Filename, "_test.go") {
			continue
		}
		for _, d := range f.file.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if !d.Name.IsExported() {
					continue
				}
				e := exported{Name: d.Name.Name, Pos: fset.Position(d.Pos()).String(), Names: mentions(d.Type)}
				if d.Recv != nil {
					e.Recv = receiverName(d.Recv.List[0].Type)
					if !token.IsExported(e.Recv) {
						continue
					}
				}
				names = append(names, e)
			case *ast.GenDecl:
				group := constGroup(d)
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						if s.Name.IsExported() {
							names = append(names, exported{Name: s.Name.Name, Pos: fset.Position(s.Pos()).String(), Names: mentions(s.Type)})
						}
					case *ast.ValueSpec:
						for _, n := range s.Names {
							if n.IsExported() {
								names = append(names, exported{Name: n.Name, Pos: fset.Position(n.Pos()).String(), Names: group})
							}
						}
					}
				}
			}
		}
	}
	return names
}

// constGroup lists the exported names of a parenthesized const
// declaration: the values of one enumeration are one API, used when any of
// them is.
func constGroup(d *ast.GenDecl) []string {
	if d.Tok != token.CONST || !d.Lparen.IsValid() {
		return nil
	}
	var out []string
	for _, s := range d.Specs {
		for _, n := range s.(*ast.ValueSpec).Names {
			if n.IsExported() {
				out = append(out, n.Name)
			}
		}
	}
	return out
}

// mentions lists the unqualified exported identifiers in x, leaving out
// the unexported fields and methods of struct and interface types, which
// no caller sees.
func mentions(x ast.Node) []string {
	var out []string
	ast.Inspect(x, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr:
			return false // another package's name
		case *ast.StructType:
			out = append(out, visibleMentions(n.Fields)...)
			return false
		case *ast.InterfaceType:
			out = append(out, visibleMentions(n.Methods)...)
			return false
		case *ast.Ident:
			if n.IsExported() {
				out = append(out, n.Name)
			}
		}
		return true
	})
	return out
}

// visibleMentions lists what the exported and embedded fields (or
// methods) of a struct (or interface) mention.
func visibleMentions(fields *ast.FieldList) []string {
	var out []string
	for _, f := range fields.List {
		if len(f.Names) == 0 || f.Names[0].IsExported() {
			out = append(out, mentions(f.Type)...)
		}
	}
	return out
}

// receiverName is the type name of a method's receiver.
func receiverName(x ast.Expr) string {
	for {
		switch e := x.(type) {
		case *ast.StarExpr:
			x = e.X
		case *ast.IndexExpr:
			x = e.X
		case *ast.IndexListExpr:
			x = e.X
		case *ast.Ident:
			return e.Name
		default:
			return ""
		}
	}
}

// uses is what the files outside one package name of it: qualified
// top-level names (pkg.Name), and the selector and interface method names
// of any value, which may be methods of its types.
type uses struct {
	qualified map[string]bool
	selectors map[string]bool
}

// usesOf collects, for each package in dirs, what the files outside it
// name of it, in one walk of the module's files. A method is counted as
// used when any selector outside the package, or any interface of the
// module, has its name: without type checking the test cannot tell whose
// method a selector picks, so it errs on the side of "used".
func usesOf(files []goFile, dirs []string) map[string]uses {
	all := map[string]uses{}
	byPath := map[string]string{} // import path → dir
	for _, dir := range dirs {
		all[dir] = uses{qualified: map[string]bool{}, selectors: map[string]bool{}}
		byPath[module+"/"+dir] = dir
	}
	for _, f := range files {
		// A non-test file of a checked package is no user of its own
		// package; only its interfaces count there.
		own := ""
		if _, ok := all[f.dir]; ok && !strings.HasSuffix(f.file.Name.Name, "_test") {
			own = f.dir
		}
		locals := map[string]string{} // the name f gives a package in dirs → its dir
		for _, imp := range f.file.Imports {
			dir, ok := byPath[strings.Trim(imp.Path.Value, `"`)]
			if !ok {
				continue
			}
			local := filepath.Base(dir)
			if imp.Name != nil {
				local = imp.Name.Name
			}
			locals[local] = dir
		}
		ast.Inspect(f.file, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.SelectorExpr:
				qualifies := "" // the dir whose package n's X names
				if id, ok := n.X.(*ast.Ident); ok {
					qualifies = locals[id.Name]
				}
				for dir, u := range all {
					switch dir {
					case own:
					case qualifies:
						u.qualified[n.Sel.Name] = true
					default:
						u.selectors[n.Sel.Name] = true
					}
				}
			case *ast.InterfaceType:
				for _, u := range all {
					u.interfaceMethods(n)
				}
			}
			return true
		})
	}
	return all
}

// interfaceMethods counts the methods of an interface as used: a type that
// satisfies it needs them under these names.
func (u uses) interfaceMethods(it *ast.InterfaceType) {
	for _, m := range it.Methods.List {
		for _, name := range m.Names {
			u.selectors[name.Name] = true
		}
	}
}

// used reports whether another package uses e.
func (u uses) used(e exported) bool {
	if e.Recv == "" {
		return u.qualified[e.Name]
	}
	return u.selectors[e.Name] || interfaceMethods[e.Name]
}

// unused lists the names of names that no other package uses, directly or
// through the declaration of a name it uses.
func (u uses) unused(names []exported) []exported {
	reached := map[string]bool{}
	var reach func(e exported)
	reach = func(e exported) {
		if reached[e.String()] {
			return
		}
		reached[e.String()] = true
		for _, m := range e.Names {
			for _, d := range names {
				if d.Recv == "" && d.Name == m {
					reach(d)
				}
			}
		}
	}
	for _, e := range names {
		if u.used(e) {
			reach(e)
		}
	}
	var out []exported
	for _, e := range names {
		if !reached[e.String()] {
			out = append(out, e)
		}
	}
	return out
}

// TestExportedNames fails when a package exports a name that no other
// package of the module uses: what only its own package uses stays
// unexported, so the API a reader must learn is the API that is used.
// Other packages' tests count as users (they are compiled against the API,
// and unexporting would break them), and so do the package's external tests
// (package x_test): they exist where a test must import a package that
// imports this one (bot/storetest's contracts), so they can only use what is
// exported. The package's internal tests do not count.
func TestExportedNames(t *testing.T) {
	t.Parallel()
	root := filepath.Join("..", "..")
	fset, files := parseModule(t, root)
	total := 0
	uses := usesOf(files, exportChecked)
	for _, dir := range exportChecked {
		names := exportedNames(fset, files, dir)
		u := uses[dir]
		for _, e := range u.unused(names) {
			t.Errorf("%s: %s.%s is exported but no other package uses it", e.Pos, filepath.Base(dir), e)
		}
		total += len(names)
		t.Logf("%s: %d exported names", dir, len(names))
	}
	t.Logf("checked packages: %d exported names", total)
	if *exportsBase != "" {
		compareExports(t, *exportsBase, fset, files)
	}
}

// compareExports logs, for bot and retrieval, how many names exported in
// the checkout at base are still exported now, and how many are exported
// now in all.
func compareExports(t *testing.T, base string, fset *token.FileSet, files []goFile) {
	if _, err := os.Stat(filepath.Join(base, "go.mod")); err != nil {
		t.Fatalf("-exports.base: %v", err)
	}
	bfset, bfiles := parseModule(t, base)
	for _, dir := range []string{"bot", "retrieval"} {
		var now []string
		for _, e := range exportedNames(fset, files, dir) {
			now = append(now, e.String())
		}
		then := exportedNames(bfset, bfiles, dir)
		kept := 0
		for _, e := range then {
			if slices.Contains(now, e.String()) {
				kept++
			}
		}
		t.Logf("%s: %d names exported at base, %d of them still exported (%.0f%%); %d exported now",
			dir, len(then), kept, 100*float64(kept)/float64(len(then)), len(now))
	}
}
