package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestIndexSearchDocsThroughTheCLI(t *testing.T) {
	s := newSandbox(t, "")
	docs := filepath.Join(s.dir, "docs")
	os.MkdirAll(docs, 0o755)
	os.WriteFile(filepath.Join(docs, "contract.md"), []byte("# Acme contract\n\n## Termination\n\nEither party may terminate with a notice period of ninety days.\n"), 0o644)
	os.WriteFile(filepath.Join(docs, "recipe.txt"), []byte("Bake the bread for forty minutes until golden.\n"), 0o644)
	os.WriteFile(filepath.Join(docs, "broken.txt"), []byte("\x00\x01\x02binary"), 0o644)

	out, errOut, code := s.run("", "index", docs)
	if code != ExitPartial || !strings.Contains(errOut, "broken.txt") || !strings.Contains(out, "2 indexed") {
		t.Fatalf("index: exit %d\n%s\n%s", code, out, errOut)
	}
	// The data dir and database are private.
	for _, p := range []string{filepath.Join(s.dir, "data"), filepath.Join(s.dir, "data", "reasonkit.db")} {
		st, err := os.Stat(p)
		if err != nil || st.Mode().Perm()&0o077 != 0 {
			t.Fatalf("%s mode %v, %v", p, st.Mode(), err)
		}
	}

	for _, mode := range []string{"hybrid", "keyword", "vector"} {
		var res struct {
			Results []struct {
				Path    string `json:"path"`
				Page    *int   `json:"page"`
				Heading string `json:"heading"`
				ChunkID int64  `json:"chunk_id"`
				Score   float64
				Snippet string `json:"snippet"`
			} `json:"results"`
		}
		out = s.mustRun(0, "", "search", "--mode", mode, "--json", "-k", "1", "how much notice to end the agreement")
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatalf("%s: %v\n%s", mode, err, out)
		}
		if len(res.Results) != 1 || filepath.Base(res.Results[0].Path) != "contract.md" || res.Results[0].ChunkID == 0 || res.Results[0].Page != nil {
			t.Fatalf("%s search: %+v", mode, res)
		}
		if mode == "keyword" && !strings.Contains(res.Results[0].Snippet, "notice") {
			t.Fatalf("snippet: %q", res.Results[0].Snippet)
		}
	}
	if res := s.mustRun(0, "", "search", "Termination notice"); !strings.Contains(res, "§ Acme contract > Termination") && !strings.Contains(res, "Termination") {
		t.Fatalf("text search output lacks the heading:\n%s", res)
	}

	list := s.mustRun(0, "", "docs", "list", "--json")
	var dl struct {
		Documents []struct {
			ID     int64  `json:"id"`
			Path   string `json:"path"`
			Status string `json:"status"`
			Error  string `json:"error"`
		} `json:"documents"`
	}
	if err := json.Unmarshal([]byte(list), &dl); err != nil || len(dl.Documents) != 3 {
		t.Fatalf("docs list: %v\n%s", err, list)
	}
	s.mustRun(0, "", "docs", "rm", filepath.Join(docs, "recipe.txt"))
	if out := s.mustRun(0, "", "search", "--mode", "keyword", "bread"); !strings.Contains(out, "no matches") {
		t.Fatalf("removed document still found:\n%s", out)
	}
	// Usage errors exit 2 with a message.
	if _, errOut, code := s.run("", "search", "--mode", "fuzzy", "x"); code != ExitUsage || !strings.Contains(errOut, "hybrid, keyword or vector") {
		t.Fatalf("bad mode: %d %s", code, errOut)
	}
}
