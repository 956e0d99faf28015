package secrets

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strings"
	"testing"

	"github.com/reasonkit/desktop/internal/sourcescan"
)

// readersAllowed are the package directories (relative to the module root)
// that may call Credential.ForAuthHeader: the model clients and the remote
// embedders, which put the key into a request header.
var readersAllowed = []string{"internal/llm", "internal/embed", "internal/secrets"}

// rawKeyReaders returns "file:line" for each call of .ForAuthHeader in the
// Go source src outside the allowed packages.
func rawKeyReaders(fset *token.FileSet, file *ast.File) []string {
	var hits []string
	ast.Inspect(file, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok && sel.Sel.Name == "ForAuthHeader" {
			hits = append(hits, fset.Position(sel.Pos()).String())
		}
		return true
	})
	return hits
}

func allowedReader(rel string) bool {
	for _, a := range readersAllowed {
		if rel == a || strings.HasPrefix(rel, a+"/") {
			return true
		}
	}
	return false
}

func TestOnlyModelClientsReadRawKeys(t *testing.T) {
	wd, _ := os.Getwd()
	root, err := sourcescan.ModuleRoot(wd)
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	parsed, err := sourcescan.NonTestFiles(fset, root, "internal", "app", "main.go")
	if err != nil {
		t.Fatal(err)
	}
	var bad []string
	files := len(parsed)
	for _, f := range parsed {
		if !allowedReader(f.Dir) {
			bad = append(bad, rawKeyReaders(fset, f.AST)...)
		}
	}
	if files == 0 {
		t.Fatal("no Go files found; the scan is not looking at the module")
	}
	for _, b := range bad {
		t.Errorf("%s reads a raw API key; only %v may call ForAuthHeader", b, readersAllowed)
	}
}

// The detector itself must catch a call, or the test above proves nothing.
func TestRawKeyDetectorFindsCalls(t *testing.T) {
	src := `package app
func leak(c interface{ ForAuthHeader() string }) string { return "key=" + c.ForAuthHeader() }`
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "leak.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	if hits := rawKeyReaders(fset, f); len(hits) != 1 || !strings.HasPrefix(hits[0], "leak.go:2") {
		t.Fatalf("detector found %v, want one hit on leak.go:2", hits)
	}
	if allowedReader("app") || allowedReader("internal/llmx") || !allowedReader("internal/llm/llmtest") {
		t.Fatal("allowlist matching is wrong")
	}
}
