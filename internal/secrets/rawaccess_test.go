package secrets

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
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

func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test directory")
		}
		dir = parent
	}
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
	root := moduleRoot(t)
	fset := token.NewFileSet()
	var bad []string
	files := 0
	for _, top := range []string{"internal", "app", "main.go"} {
		err := filepath.WalkDir(filepath.Join(root, top), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				if os.IsNotExist(err) {
					return nil
				}
				return err
			}
			if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			rel, _ := filepath.Rel(root, filepath.Dir(path))
			files++
			if allowedReader(filepath.ToSlash(rel)) {
				return nil
			}
			f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
			if err != nil {
				return err
			}
			bad = append(bad, rawKeyReaders(fset, f)...)
			return nil
		})
		if err != nil {
			t.Fatal(err)
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
