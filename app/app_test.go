package app

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reasonkit/desktop/internal/config"
	"github.com/reasonkit/desktop/internal/core"
)

// recorder is a Host that keeps every event and answers dialogs with
// preset paths.
type recorder struct {
	mu      sync.Mutex
	events  []recorded
	dir     string
	files   []string
	opened  []string
	onEvent func(name string, data any)
}

type recorded struct {
	name string
	data any
}

func (r *recorder) Emit(name string, data any) {
	r.mu.Lock()
	r.events = append(r.events, recorded{name, data})
	cb := r.onEvent
	r.mu.Unlock()
	if cb != nil {
		cb(name, data)
	}
}
func (r *recorder) ChooseDirectory(string) (string, error) { return r.dir, nil }
func (r *recorder) ChooseFiles(string) ([]string, error)   { return r.files, nil }
func (r *recorder) OpenPath(p string) error {
	r.mu.Lock()
	r.opened = append(r.opened, p)
	r.mu.Unlock()
	return nil
}

func (r *recorder) progress() []IndexProgress {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []IndexProgress
	for _, e := range r.events {
		if e.name == EventProgress {
			out = append(out, e.data.(IndexProgress))
		}
	}
	return out
}

func (r *recorder) done() []IndexDone {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []IndexDone
	for _, e := range r.events {
		if e.name == EventDone {
			out = append(out, e.data.(IndexDone))
		}
	}
	return out
}

const testDim = 16

// fakeOllama speaks Ollama's /api/embed: a deterministic bag-of-words vector
// per input, so related texts land near each other.
func fakeOllama(t testing.TB) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/embed" || r.Method != http.MethodPost {
			http.Error(w, `{"error":"not found"}`, http.StatusNotFound)
			return
		}
		var req struct {
			Model string   `json:"model"`
			Input []string `json:"input"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, `{"error":"bad json"}`, http.StatusBadRequest)
			return
		}
		out := make([][]float32, len(req.Input))
		for i, text := range req.Input {
			v := make([]float32, testDim)
			for _, w := range strings.Fields(strings.ToLower(text)) {
				h := fnv.New32a()
				h.Write([]byte(w))
				v[h.Sum32()%testDim]++
			}
			v[0] += 0.01
			out[i] = v
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"model": req.Model, "embeddings": out})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func openCore(t testing.TB) *core.Core {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = filepath.Join(t.TempDir(), "data")
	cfg.ConfigDir = t.TempDir()
	cfg.Embedding.Backend = "ollama"
	cfg.Embedding.Model = "fake-embed"
	cfg.Embedding.Dimensions = testDim
	cfg.Embedding.BaseURL = fakeOllama(t).URL
	c, err := core.Open(cfg)
	if err != nil {
		t.Fatalf("open core: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func writeFile(t testing.TB, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLibraryIndexSearchPreviewOpenRemove(t *testing.T) {
	c := openCore(t)
	host := &recorder{}
	lib := NewLibraryService(c, host, "test")
	lib.ProgressInterval = 20 * time.Millisecond

	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "contracts", "lease.md"), "# Lease\n\nThe termination notice period is ninety days, given in writing.\n\n## Rent\n\nRent is due on the first day of each month.\n")
	writeFile(t, filepath.Join(dir, "contracts", "nda.txt"), "The receiving party keeps all confidential information secret for five years.\n")
	writeFile(t, filepath.Join(dir, "notes", "garden.txt"), "Tomatoes need full sun and regular watering in summer.\n")
	writeFile(t, filepath.Join(dir, "notes", "broken.txt"), "\x00\x01\x02\x03binary\x00\x00\xff\xfe")

	if _, err := lib.AddPaths("", nil); err == nil {
		t.Fatal("AddPaths with no paths: want an error")
	}
	id, err := lib.AddPaths("work", []string{dir})
	if err != nil {
		t.Fatalf("AddPaths: %v", err)
	}
	lib.wait()

	dones := host.done()
	if len(dones) != 1 || dones[0].RunID != id {
		t.Fatalf("done events = %+v, want one for run %d", dones, id)
	}
	d := dones[0]
	if d.Error != "" || d.Indexed != 3 || len(d.Failed) != 1 || !strings.HasSuffix(d.Failed[0].Path, "broken.txt") || d.Failed[0].Reason == "" {
		t.Fatalf("done = %+v, want 3 indexed and broken.txt failed with a reason", d)
	}
	prog := host.progress()
	if len(prog) == 0 {
		t.Fatal("no progress events")
	}
	last := prog[len(prog)-1]
	if last.Percent != 100 || last.Phase != "done" || last.FilesDone != 4 || last.FilesTotal != 4 {
		t.Fatalf("last progress = %+v, want done at 100%% with 4/4 files", last)
	}
	var sawFailure bool
	for _, p := range prog {
		if p.RunID != id || p.Collection != "work" {
			t.Fatalf("progress %+v is not for run %d in work", p, id)
		}
		for _, f := range p.Files {
			if f.Status == "failed" && strings.HasSuffix(f.Path, "broken.txt") {
				sawFailure = true
			}
		}
	}
	if !sawFailure {
		t.Fatal("the failed file never appeared in a progress event")
	}

	cols, err := lib.Collections()
	if err != nil || len(cols) != 1 || cols[0].Name != "work" || cols[0].Documents != 3 || cols[0].Failed != 1 {
		t.Fatalf("Collections = %+v, %v", cols, err)
	}
	if cols[0].Embedded != cols[0].Chunks || cols[0].Dim != testDim {
		t.Fatalf("collection not fully embedded: %+v", cols[0])
	}

	docs, err := lib.Documents("work")
	if err != nil || len(docs) != 4 {
		t.Fatalf("Documents = %d, %v; want 4", len(docs), err)
	}
	byName := map[string]DocumentInfo{}
	for _, d := range docs {
		byName[d.Name] = d
	}
	if b := byName["broken.txt"]; b.Status != StatusFailed || b.Error == "" {
		t.Fatalf("broken.txt = %+v, want failed with a reason", b)
	}
	if l := byName["lease.md"]; l.Status != StatusIndexed || l.EmbedPercent != 100 || l.Dir != filepath.Join(dir, "contracts") || l.Chunks == 0 {
		t.Fatalf("lease.md = %+v", l)
	}

	for _, mode := range []string{"", "keyword", "hybrid", "vector"} {
		res, err := lib.Search(SearchRequest{Collection: "work", Query: "termination notice", K: 5, Mode: mode})
		if err != nil {
			t.Fatalf("Search(%q): %v", mode, err)
		}
		if len(res.Results) == 0 || res.Results[0].Name != "lease.md" {
			t.Fatalf("Search(%q) = %+v, want lease.md first", mode, res.Results)
		}
		if mode == "keyword" {
			h := res.Results[0]
			if len(h.Highlights) == 0 {
				t.Fatalf("keyword hit has no highlights: %+v", h)
			}
			runes := []rune(h.Snippet)
			for _, r := range h.Highlights {
				got := strings.ToLower(string(runes[r[0]:r[1]]))
				if got != "termination" && got != "notice" {
					t.Fatalf("highlight %v marks %q in %q", r, got, h.Snippet)
				}
			}
		}
	}
	if res, err := lib.Search(SearchRequest{Collection: "work", Query: "   "}); err != nil || len(res.Results) != 0 || res.Results == nil {
		t.Fatalf("blank search = %+v, %v; want an empty, non-nil list", res, err)
	}
	if _, err := lib.Search(SearchRequest{Collection: "work", Query: "x", Mode: "fuzzy"}); err == nil || !strings.Contains(err.Error(), "fuzzy") {
		t.Fatalf("bad mode error = %v", err)
	}

	hit, _ := lib.Search(SearchRequest{Collection: "work", Query: "rent due", Mode: "keyword"})
	if len(hit.Results) == 0 {
		t.Fatal("no hit for rent due")
	}
	pv, err := lib.Preview(hit.Results[0].ChunkID)
	if err != nil {
		t.Fatalf("Preview: %v", err)
	}
	if pv.Name != "lease.md" || !strings.Contains(pv.Chunk.Text, "Rent") || pv.Before == nil || pv.After == nil {
		t.Fatalf("Preview = %+v", pv)
	}
	if _, err := lib.Preview(987654); err == nil {
		t.Fatal("Preview of a missing chunk: want an error")
	}

	lease := byName["lease.md"]
	if err := lib.OpenDocument(lease.ID); err != nil {
		t.Fatalf("OpenDocument: %v", err)
	}
	if len(host.opened) != 1 || host.opened[0] != lease.Path {
		t.Fatalf("opened %v, want %s", host.opened, lease.Path)
	}
	if err := lib.OpenDocument(424242); err == nil {
		t.Fatal("OpenDocument of an unknown id: want an error, the UI may only open library files")
	}

	if err := lib.RemoveDocument(lease.ID); err != nil {
		t.Fatalf("RemoveDocument: %v", err)
	}
	if res, _ := lib.Search(SearchRequest{Collection: "work", Query: "termination", Mode: "keyword"}); len(res.Results) != 0 {
		t.Fatalf("removed document still found: %+v", res.Results)
	}

	// Re-index the failed file after fixing it.
	writeFile(t, filepath.Join(dir, "notes", "broken.txt"), "Now it is readable text about compost.\n")
	if _, err := lib.Reindex(byName["broken.txt"].ID); err != nil {
		t.Fatalf("Reindex: %v", err)
	}
	lib.wait()
	if res, _ := lib.Search(SearchRequest{Collection: "work", Query: "compost", Mode: "keyword"}); len(res.Results) != 1 {
		t.Fatalf("re-indexed file not found: %+v", res.Results)
	}

	if err := lib.DeleteCollection("work"); err != nil {
		t.Fatalf("DeleteCollection: %v", err)
	}
	if cols, _ := lib.Collections(); len(cols) != 0 {
		t.Fatalf("collections after delete = %+v", cols)
	}
	if err := lib.DeleteCollection("work"); err == nil {
		t.Fatal("deleting a missing collection: want an error")
	}
}

func TestLibraryCancelStopsRunAndQueueRuns(t *testing.T) {
	c := openCore(t)
	host := &recorder{}
	lib := NewLibraryService(c, host, "test")
	lib.ProgressInterval = 10 * time.Millisecond

	dir := t.TempDir()
	for i := range 1500 {
		writeFile(t, filepath.Join(dir, fmt.Sprintf("d%02d", i%20), fmt.Sprintf("f%04d.txt", i)), fmt.Sprintf("File %d talks about topic %d and nothing else.\n", i, i%37))
	}
	var once sync.Once
	host.onEvent = func(name string, data any) {
		if p, ok := data.(IndexProgress); ok && name == EventProgress && p.FilesDone > 0 {
			once.Do(func() { lib.CancelIndex() })
		}
	}
	if _, err := lib.AddPaths("big", []string{dir}); err != nil {
		t.Fatal(err)
	}
	lib.wait()
	d := host.done()
	if len(d) != 1 || !d[0].Cancelled {
		t.Fatalf("done = %+v, want one cancelled run", d)
	}
	if lib.CancelIndex() {
		t.Fatal("CancelIndex with nothing running reported true")
	}

	// Two requests in a row: the second waits for the first and both finish.
	host.onEvent = nil
	small := t.TempDir()
	writeFile(t, filepath.Join(small, "a.txt"), "alpha text\n")
	writeFile(t, filepath.Join(small, "b.txt"), "beta text\n")
	// The first run resumes the big folder, so the next two wait behind it.
	id1, err1 := lib.AddPaths("big", []string{dir})
	id2, err2 := lib.AddPaths("q", []string{filepath.Join(small, "b.txt")})
	id3, err3 := lib.AddPaths("q", []string{filepath.Join(small, "b.txt")}) // same request again while queued
	if err1 != nil || err2 != nil || err3 != nil || id2 != id1+1 || id3 != id2 {
		t.Fatalf("queued AddPaths = %d %v, %d %v, %d %v", id1, err1, id2, err2, id3, err3)
	}
	lib.wait()
	d = host.done()
	if len(d) != 3 || d[1].RunID != id1 || d[2].RunID != id2 || d[1].Indexed == 0 || d[1].Cancelled || d[2].Indexed != 1 {
		t.Fatalf("done events = %+v", d)
	}
}

func TestInfoAndProviders(t *testing.T) {
	c := openCore(t)
	lib := NewLibraryService(c, &recorder{}, "v9")
	info := lib.Info()
	if info.Version != "v9" || info.DataDir != c.Config().DataDir || info.EmbeddingBackend != "ollama" || info.RemoteEmbedding {
		t.Fatalf("Info = %+v (a loopback Ollama is not remote)", info)
	}
	s := NewSettingsService(c)
	ps := s.Providers()
	names := map[string]ProviderInfo{}
	for _, p := range ps {
		names[p.Name] = p
	}
	if o, ok := names["ollama"]; !ok || o.NeedsKey {
		t.Fatalf("ollama provider = %+v, want listed without a key", o)
	}
	if o, ok := names["openai"]; !ok || !o.NeedsKey || o.Key.EnvVar != "OPENAI_API_KEY" {
		t.Fatalf("openai provider = %+v", o)
	}
	if d := names[c.Config().General.DefaultProvider]; !d.Default {
		t.Fatalf("default provider %q not marked: %+v", c.Config().General.DefaultProvider, d)
	}
	local := &config.Provider{Kind: config.KindOpenAICompatible, BaseURL: "http://127.0.0.1:8080/v1"}
	hosted := &config.Provider{Kind: config.KindOpenAICompatible, BaseURL: "https://api.example.com/v1"}
	if core.NeedsKey(local) || !core.NeedsKey(hosted) {
		t.Fatal("a server on this machine needs no key; a hosted one does")
	}
	if _, err := s.SetKey("nosuch", "sk-abcdefgh12345678"); err == nil || strings.Contains(err.Error(), "sk-abcdefgh12345678") {
		t.Fatalf("SetKey for an unknown provider = %v; want an error that does not repeat the key", err)
	}
	if r := s.TestKey("nosuch"); r.OK || r.Message == "" {
		t.Fatalf("TestKey(nosuch) = %+v", r)
	}
}

func TestRemoteEmbedding(t *testing.T) {
	cases := []struct {
		backend, url string
		remote       bool
	}{
		{"local", "", false},
		{"ollama", "", false},
		{"ollama", "http://127.0.0.1:11434", false},
		{"ollama", "http://localhost:11434", false},
		{"ollama", "https://gpu-box.example:11434", true},
		{"openai", "", true},
		{"openai", "http://[::1]:8080/v1", false},
		{"openai", "https://user@api.example.com/v1", true},
	}
	for _, tc := range cases {
		cfg := config.Default()
		cfg.Embedding.Backend, cfg.Embedding.BaseURL = tc.backend, tc.url
		if got := remoteEmbedding(cfg); got != tc.remote {
			t.Errorf("remoteEmbedding(%s, %q) = %v, want %v", tc.backend, tc.url, got, tc.remote)
		}
	}
}

func TestWatchPicksUpNewChangedAndDeletedFiles(t *testing.T) {
	c := openCore(t)
	host := &recorder{}
	lib := NewLibraryService(c, host, "t")
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.txt"), "apples grow on trees\n")

	changes := make(chan WatchChange, 16)
	host.onEvent = func(name string, data any) {
		if name == EventChanged {
			changes <- data.(WatchChange)
		}
	}
	waitChange := func(what string) {
		t.Helper()
		select {
		case ch := <-changes:
			if ch.Collection != "w" || ch.Dir != dir {
				t.Fatalf("change event %+v", ch)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("no change event after %s", what)
		}
	}
	found := func(q string) int {
		res, err := lib.Search(SearchRequest{Collection: "w", Query: q, Mode: "keyword"})
		if err != nil {
			t.Fatal(err)
		}
		return len(res.Results)
	}

	if err := lib.Watch("w", filepath.Join(dir, "a.txt")); err == nil {
		t.Fatal("watching a file: want an error saying it is not a folder")
	}
	if err := lib.Watch("w", dir); err != nil {
		t.Fatal(err)
	}
	waitChange("the first index")
	if found("apples") != 1 {
		t.Fatal("initial file not indexed")
	}
	ws, err := lib.Watched("w")
	if err != nil || len(ws) != 1 || ws[0].Dir != dir || !ws[0].Active {
		t.Fatalf("Watched = %+v, %v", ws, err)
	}

	writeFile(t, filepath.Join(dir, "b.txt"), "bananas are yellow\n")
	waitChange("adding b.txt")
	if found("bananas") != 1 {
		t.Fatal("new file not picked up")
	}
	if err := os.Remove(filepath.Join(dir, "a.txt")); err != nil {
		t.Fatal(err)
	}
	waitChange("deleting a.txt")
	if found("apples") != 0 {
		t.Fatal("deleted file still found")
	}

	if err := lib.Unwatch("w", dir); err != nil {
		t.Fatal(err)
	}
	if ws, _ := lib.Watched("w"); len(ws) != 0 {
		t.Fatalf("after Unwatch: %+v", ws)
	}
	lib.shutdown()
}
