package core

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reasonkit/desktop/internal/ingest"
	"github.com/reasonkit/desktop/internal/llm/llmtest"
	"github.com/reasonkit/desktop/internal/search"
	"github.com/reasonkit/desktop/internal/store"
)

// settle bounds every wait for the store to reflect a change; generous for
// a loaded two-core machine (the watcher itself waits WatchQuiet).
const settle = 60 * time.Second

func writeFile(t testing.TB, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// eventually polls cond until it holds, failing the test after settle.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(settle)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", settle, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// startWatch runs Watch in the background and stops it at the end of the test.
func startWatch(t *testing.T, c *Core, collection string, dirs []string, onProgress func(ingest.Progress)) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Watch(ctx, collection, dirs, onProgress) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Watch returned %v after its context ended", err)
			}
		case <-time.After(settle):
			t.Error("Watch did not return after its context ended")
		}
	})
}

// docs maps the collection's stored documents by path relative to root.
func docs(t testing.TB, c *Core, collection, root string) map[string]store.Document {
	t.Helper()
	all, err := c.Documents(context.Background(), collection)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]store.Document{}
	for _, d := range all {
		rel, err := filepath.Rel(root, d.Path)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.ToSlash(rel)] = d
	}
	return out
}

// found lists the relative paths a keyword search for word finds.
func found(t testing.TB, c *Core, collection, root, word string) []string {
	t.Helper()
	resp, err := c.Search(context.Background(), search.Request{Collection: collection, Query: word, Mode: search.ModeKeyword})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range resp.Results {
		rel, _ := filepath.Rel(root, r.Path)
		out = append(out, filepath.ToSlash(rel))
	}
	return out
}

func TestWatchKeepsCollectionInStep(t *testing.T) {
	c := openTestCore(t, llmtest.NewOpenAI(t))
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "a.md"), "# Alpha\n\nThe lighthouse keeper counts ships.\n")
	writeFile(t, filepath.Join(root, "sub", "b.txt"), "Glaciers move slowly.\n")
	writeFile(t, filepath.Join(root, "node_modules", "x", "readme.md"), "dependency text\n")
	var mu sync.Mutex
	var statuses []string
	startWatch(t, c, "notes", []string{root}, func(p ingest.Progress) {
		mu.Lock()
		defer mu.Unlock()
		if p.LastStatus != "" {
			statuses = append(statuses, p.LastStatus+" "+filepath.Base(p.LastFile))
		}
	})
	eventually(t, "the first index stores a.md and sub/b.txt", func() bool {
		d := docs(t, c, "notes", root)
		return len(d) == 2 && d["a.md"].Status == store.StatusIndexed && d["sub/b.txt"].Status == store.StatusIndexed
	})

	steps := []struct {
		name   string
		change func(t *testing.T)
		holds  func(t *testing.T) bool
	}{
		{"create", func(t *testing.T) {
			writeFile(t, filepath.Join(root, "c.md"), "Zebra crossings are striped.\n")
		}, func(t *testing.T) bool {
			return strings.Join(found(t, c, "notes", root, "zebra"), ",") == "c.md"
		}},
		{"modify", func(t *testing.T) {
			writeFile(t, filepath.Join(root, "a.md"), "# Alpha\n\nThe harbour master counts boats.\n")
		}, func(t *testing.T) bool {
			return len(found(t, c, "notes", root, "harbour")) == 1 && len(found(t, c, "notes", root, "lighthouse")) == 0
		}},
		{"delete", func(t *testing.T) {
			if err := os.Remove(filepath.Join(root, "sub", "b.txt")); err != nil {
				t.Fatal(err)
			}
		}, func(t *testing.T) bool {
			_, ok := docs(t, c, "notes", root)["sub/b.txt"]
			return !ok && len(found(t, c, "notes", root, "glaciers")) == 0
		}},
		{"new nested subfolder", func(t *testing.T) {
			writeFile(t, filepath.Join(root, "new", "deeper", "d.md"), "Quartz clocks tick.\n")
		}, func(t *testing.T) bool {
			return strings.Join(found(t, c, "notes", root, "quartz"), ",") == "new/deeper/d.md"
		}},
		{"second file in the new subfolder", func(t *testing.T) {
			writeFile(t, filepath.Join(root, "new", "deeper", "e.txt"), "Volcanoes erupt.\n")
		}, func(t *testing.T) bool {
			return strings.Join(found(t, c, "notes", root, "volcanoes"), ",") == "new/deeper/e.txt"
		}},
		{"rename", func(t *testing.T) {
			if err := os.Rename(filepath.Join(root, "c.md"), filepath.Join(root, "sub", "zebra.md")); err != nil {
				t.Fatal(err)
			}
		}, func(t *testing.T) bool {
			d := docs(t, c, "notes", root)
			_, old := d["c.md"]
			return !old && d["sub/zebra.md"].Status == store.StatusIndexed
		}},
		{"delete a folder", func(t *testing.T) {
			if err := os.RemoveAll(filepath.Join(root, "new")); err != nil {
				t.Fatal(err)
			}
		}, func(t *testing.T) bool {
			d := docs(t, c, "notes", root)
			_, dd := d["new/deeper/d.md"]
			_, de := d["new/deeper/e.txt"]
			return !dd && !de
		}},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			s.change(t)
			eventually(t, s.name+" is reflected in the store", func() bool { return s.holds(t) })
		})
	}

	want := map[string]bool{"a.md": true, "sub/zebra.md": true}
	got := docs(t, c, "notes", root)
	for rel, d := range got {
		if !want[rel] || d.Status != store.StatusIndexed {
			t.Errorf("stored %s (%s %s); want only a.md and sub/zebra.md, indexed", rel, d.Status, d.Error)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for _, s := range statuses {
		if strings.HasPrefix(s, "failed") || strings.HasPrefix(s, WatchFailed) {
			t.Errorf("progress reported %q", s)
		}
	}
}

// TestWatchRunsOneIndexPerCollectionAtATime: two watchers of one collection
// (different folders) changing at once never index concurrently.
func TestWatchRunsOneIndexPerCollectionAtATime(t *testing.T) {
	c := openTestCore(t, llmtest.NewOpenAI(t))
	a, b := t.TempDir(), t.TempDir()
	var mu sync.Mutex
	active, most, runs := 0, 0, 0
	onProgress := func(p ingest.Progress) {
		mu.Lock()
		defer mu.Unlock()
		switch p.Phase {
		case ingest.PhaseScan:
			active++
			runs++
			most = max(most, active)
		case ingest.PhaseDone:
			if p.LastStatus != WatchFailed {
				active--
			}
		}
	}
	startWatch(t, c, "shared", []string{a}, onProgress)
	startWatch(t, c, "shared", []string{b}, onProgress)
	for i := 0; i < 3; i++ {
		for _, dir := range []string{a, b} {
			writeFile(t, filepath.Join(dir, fmt.Sprintf("f%d.txt", i)), fmt.Sprintf("Round %d of writes in %s.\n", i, filepath.Base(dir)))
		}
		eventually(t, fmt.Sprintf("round %d stored in both folders", i), func() bool {
			d, err := c.Documents(context.Background(), "shared")
			return err == nil && len(d) == 2*(i+1)
		})
	}
	mu.Lock()
	defer mu.Unlock()
	if most != 1 || runs < 4 {
		t.Fatalf("%d runs, at most %d at once; want one at a time", runs, most)
	}
}

func TestWatchRejectsBadFolders(t *testing.T) {
	c := openTestCore(t, llmtest.NewOpenAI(t))
	dir := t.TempDir()
	file := filepath.Join(dir, "f.txt")
	writeFile(t, file, "x")
	tests := []struct {
		name string
		dirs []string
		want string
	}{
		{"none", nil, "at least one folder"},
		{"missing", []string{filepath.Join(dir, "missing")}, "missing"},
		{"a file", []string{file}, "not a folder"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := c.Watch(context.Background(), "x", tt.dirs, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if err := c.AddWatchedFolder(context.Background(), "x", strings.Join(tt.dirs, "")); err == nil {
				t.Fatal("AddWatchedFolder accepted it")
			}
		})
	}
}

func TestWatchedFoldersArePersisted(t *testing.T) {
	c := openTestCore(t, llmtest.NewOpenAI(t))
	ctx := context.Background()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "notes"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	if err := c.AddWatchedFolder(ctx, "work", "notes"); err != nil {
		t.Fatal(err)
	}
	if err := c.AddWatchedFolder(ctx, "", dir); err != nil {
		t.Fatal(err)
	}
	got, err := c.WatchedFolders(ctx, "")
	if err != nil || len(got) != 2 || got[0].Collection != "default" || got[0].Path != dir ||
		got[1].Collection != "work" || got[1].Path != filepath.Join(dir, "notes") {
		t.Fatalf("watched = %+v, %v (want absolute paths, \"\" meaning default)", got, err)
	}
	if err := c.RemoveWatchedFolder(ctx, "work", "notes"); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.WatchedFolders(ctx, "work"); len(got) != 0 {
		t.Fatalf("after removal: %+v", got)
	}
}
