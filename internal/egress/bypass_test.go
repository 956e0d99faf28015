package egress

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/reasonkit/desktop/internal/sourcescan"
)

// bypassAllowed are package directories (relative to the module root) that
// may use net/http's client machinery: egress itself, and the local API
// server, which only serves inbound requests.
var bypassAllowed = []string{"internal/egress", "internal/server"}

// forbidden are net/http names that build or use an HTTP client other than
// the Door's.
var forbidden = map[string]bool{
	"Client": true, "DefaultClient": true, "Transport": true, "DefaultTransport": true,
	"Get": true, "Post": true, "PostForm": true, "Head": true,
	"NewRequest": true, "NewRequestWithContext": true,
}

// clientUses returns "file:line: http.X" for every use of a forbidden
// net/http name in f as a value or composite literal. Mentioning the type
// *http.Client in a signature is not a use; building one is.
func clientUses(fset *token.FileSet, f *ast.File) []string {
	local := ""
	for _, imp := range f.Imports {
		if p, _ := strconv.Unquote(imp.Path.Value); p == "net/http" {
			local = "http"
			if imp.Name != nil {
				local = imp.Name.Name
			}
		}
	}
	if local == "" || local == "_" {
		return nil
	}
	isHTTP := func(e ast.Expr) (string, bool) {
		sel, ok := e.(*ast.SelectorExpr)
		if !ok {
			return "", false
		}
		id, ok := sel.X.(*ast.Ident)
		if !ok || id.Name != local || !forbidden[sel.Sel.Name] {
			return "", false
		}
		return sel.Sel.Name, true
	}
	var hits []string
	report := func(pos token.Pos, name string) {
		hits = append(hits, fset.Position(pos).String()+": http."+name)
	}
	// Types in declarations are allowed; walk only expressions that build
	// or call.
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CompositeLit:
			if name, ok := isHTTP(n.Type); ok {
				report(n.Pos(), name+"{")
			}
		case *ast.CallExpr:
			if name, ok := isHTTP(n.Fun); ok && name != "Client" && name != "Transport" {
				report(n.Pos(), name)
			}
			if id, ok := n.Fun.(*ast.Ident); ok && id.Name == "new" && len(n.Args) == 1 {
				if name, ok := isHTTP(n.Args[0]); ok {
					report(n.Pos(), "new("+name+")")
				}
			}
		case *ast.SelectorExpr:
			if name, ok := isHTTP(n); ok && (name == "DefaultClient" || name == "DefaultTransport") {
				report(n.Pos(), name)
			}
		}
		return true
	})
	return hits
}

func TestNoOtherPackageBuildsAnHTTPClient(t *testing.T) {
	wd, _ := os.Getwd()
	root, err := sourcescan.ModuleRoot(wd)
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	files, err := sourcescan.NonTestFiles(fset, root, "internal", "app")
	if err != nil {
		t.Fatal(err)
	}
	var hits []string
	scanned := 0
	for _, f := range files {
		if allowedBypass(f.Dir) {
			continue
		}
		scanned++
		hits = append(hits, clientUses(fset, f.AST)...)
	}
	if scanned == 0 {
		t.Fatal("scanned no files: the walk is not looking at the module")
	}
	for _, h := range hits {
		t.Errorf("%s: model traffic must go through egress.Door (allowed only in %v)", h, bypassAllowed)
	}
}

// The detector must catch each way of bypassing the Door, or the test above
// could pass while proving nothing.
func TestBypassDetector(t *testing.T) {
	cases := []struct {
		name, src string
		want      int
	}{
		{"composite literal", `c := &http.Client{}; _ = c`, 1},
		{"value literal", `var c = http.Client{Timeout: 1}; _ = c`, 1},
		{"new", `c := new(http.Client); _ = c`, 1},
		{"default client", `_, _ = http.DefaultClient.Do(nil)`, 1},
		{"default transport", `_ = http.DefaultTransport`, 1},
		{"transport literal", `_ = &http.Transport{}`, 1},
		{"get", `_, _ = http.Get("https://x")`, 1},
		{"post", `_, _ = http.Post("https://x", "", nil)`, 1},
		{"post form", `_, _ = http.PostForm("https://x", nil)`, 1},
		{"head", `_, _ = http.Head("https://x")`, 1},
		{"new request", `_, _ = http.NewRequest("GET", "https://x", nil)`, 1},
		{"new request ctx", `_, _ = http.NewRequestWithContext(nil, "GET", "https://x", nil)`, 1},
		{"type only", `var c *http.Client; _ = c; var h http.Header; _ = h`, 0},
		{"server side", `_ = http.ListenAndServe(":0", nil); _ = &http.Server{}`, 0},
	}
	for _, c := range cases {
		for _, alias := range []string{"", "nethttp"} {
			src := "package x\nimport " + alias + ` "net/http"` + "\nfunc f() {\n" + c.src + "\n}\n"
			if alias != "" {
				src = strings.ReplaceAll(src, "http.", alias+".")
				src = strings.ReplaceAll(src, alias+` "net/`+alias+`"`, alias+` "net/http"`)
			}
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, "x.go", src, 0)
			if err != nil {
				t.Fatalf("%s: %v\n%s", c.name, err, src)
			}
			if got := clientUses(fset, f); len(got) != c.want {
				t.Errorf("%s (alias %q): found %v, want %d hits", c.name, alias, got, c.want)
			}
		}
	}
}

func allowedBypass(dir string) bool {
	for _, a := range bypassAllowed {
		if dir == a || strings.HasPrefix(dir, a+"/") {
			return true
		}
	}
	return false
}
