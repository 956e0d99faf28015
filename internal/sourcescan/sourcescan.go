// Package sourcescan parses the module's own Go source, for tests that
// enforce architecture rules such as "only egress builds HTTP clients" and
// "only the model clients read raw keys".
package sourcescan

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// File is one parsed non-test Go file.
type File struct {
	Path string    // file path
	Dir  string    // its directory relative to the module root, slash-separated
	AST  *ast.File // parsed without object resolution
}

// ModuleRoot returns the directory holding go.mod at or above dir.
func ModuleRoot(dir string) (string, error) {
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above " + dir)
		}
		dir = parent
	}
}

// NonTestFiles parses every .go file that is not a _test.go file under each
// of tops (folders or files relative to root; missing ones are skipped).
func NonTestFiles(fset *token.FileSet, root string, tops ...string) ([]File, error) {
	var out []File
	for _, top := range tops {
		err := filepath.WalkDir(filepath.Join(root, top), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return nil
				}
				return err
			}
			if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, filepath.Dir(path))
			out = append(out, File{Path: path, Dir: filepath.ToSlash(rel), AST: f})
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
