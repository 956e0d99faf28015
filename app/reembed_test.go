package app

import (
	"encoding/json"
	"hash/fnv"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// modelOllama speaks Ollama's /api/embed for several models, each with its
// own vector size, and counts how many texts each model embedded.
type modelOllama struct {
	dims map[string]int

	mu    sync.Mutex
	texts map[string]int
}

func (m *modelOllama) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Model string   `json:"model"`
		Input []string `json:"input"`
	}
	if r.URL.Path != "/api/embed" || json.NewDecoder(r.Body).Decode(&req) != nil {
		http.Error(w, `{"error":"bad request"}`, http.StatusBadRequest)
		return
	}
	dim, ok := m.dims[req.Model]
	if !ok {
		http.Error(w, `{"error":"model not found"}`, http.StatusNotFound)
		return
	}
	m.mu.Lock()
	m.texts[req.Model] += len(req.Input)
	m.mu.Unlock()
	out := make([][]float32, len(req.Input))
	for i, text := range req.Input {
		v := make([]float32, dim)
		for _, word := range strings.Fields(strings.ToLower(text)) {
			h := fnv.New32a()
			h.Write([]byte(req.Model + "/" + word))
			v[h.Sum32()%uint32(dim)]++
		}
		v[0] += 0.01
		out[i] = v
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"model": req.Model, "embeddings": out})
}

func (m *modelOllama) count(model string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.texts[model]
}

func TestReembedRecomputesVectorsWithTheNewEmbedder(t *testing.T) {
	fake := &modelOllama{dims: map[string]int{"old-embed": 16, "new-embed": 64}, texts: map[string]int{}}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)

	c := openCore(t)
	if err := c.SetEmbedding("ollama", "old-embed", 16, srv.URL); err != nil {
		t.Fatal(err)
	}
	host := &recorder{}
	lib := NewLibraryService(c, host, "test")
	lib.ProgressInterval = 10 * time.Millisecond

	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "lease.md"), "# Lease\n\nThe termination notice period is ninety days.\n")
	writeFile(t, filepath.Join(dir, "garden.txt"), "Tomatoes need full sun and regular watering.\n")
	if _, err := lib.AddPaths("docs", []string{dir}); err != nil {
		t.Fatal(err)
	}
	lib.wait()
	col := func() CollectionInfo {
		t.Helper()
		cols, err := lib.Collections()
		if err != nil || len(cols) != 1 {
			t.Fatalf("Collections = %+v, %v", cols, err)
		}
		return cols[0]
	}
	before := col()
	if before.EmbedderID != "ollama:old-embed@16" || before.Embedded != before.Chunks || before.Chunks == 0 {
		t.Fatalf("after indexing: %+v", before)
	}
	if got := lib.Info().EmbedderID; got != before.EmbedderID {
		t.Fatalf("Info().EmbedderID = %q, want it to match the collection's %q while the embedder is unchanged", got, before.EmbedderID)
	}

	// Switch the embedder: the collection is now out of step and a new
	// file gets text only.
	if err := c.SetEmbedding("ollama", "new-embed", 64, srv.URL); err != nil {
		t.Fatal(err)
	}
	if got := lib.Info().EmbedderID; got != "ollama:new-embed@64" {
		t.Fatalf("Info().EmbedderID = %q after the switch", got)
	}
	writeFile(t, filepath.Join(dir, "nda.txt"), "Confidential information stays secret for five years.\n")
	if _, err := lib.AddPaths("docs", []string{dir}); err != nil {
		t.Fatal(err)
	}
	lib.wait()
	if d := host.done(); len(d) != 2 || d[1].EmbedPending == 0 {
		t.Fatalf("indexing after the switch = %+v, want the new file's chunks left without vectors", d)
	}
	if _, err := lib.Search(SearchRequest{Collection: "docs", Query: "termination", Mode: "vector"}); err == nil {
		t.Fatal("vector search across a changed embedder: want the mismatch error")
	}

	cases := []struct {
		name, collection string
	}{
		{"blank", "  "},
		{"unknown", "nosuch"},
	}
	for _, tc := range cases {
		if _, err := lib.Reembed(tc.collection); err == nil {
			t.Errorf("Reembed(%s %q): want an error", tc.name, tc.collection)
		}
	}
	if cols, _ := lib.Collections(); len(cols) != 1 {
		t.Fatalf("a refused Reembed created a collection: %+v", cols)
	}

	oldTexts := fake.count("old-embed")
	id, err := lib.Reembed("docs")
	if err != nil {
		t.Fatalf("Reembed: %v", err)
	}
	lib.wait()
	d := host.done()
	last := d[len(d)-1]
	if len(d) != 3 || last.RunID != id || last.Error != "" || last.EmbedError != "" || last.EmbedPending != 0 || last.Cancelled {
		t.Fatalf("re-embed done = %+v", d)
	}
	after := col()
	if after.EmbedderID != "ollama:new-embed@64" || after.Dim != 64 || after.Embedded != after.Chunks || after.Chunks <= before.Chunks {
		t.Fatalf("after Reembed: %+v (before %+v)", after, before)
	}
	if got := fake.count("new-embed"); got < after.Chunks {
		t.Fatalf("new-embed embedded %d texts, want every one of the %d chunks", got, after.Chunks)
	}
	if fake.count("old-embed") != oldTexts {
		t.Fatal("re-embedding called the old model")
	}
	var lastProg *IndexProgress
	for _, p := range host.progress() {
		if p.RunID == id {
			lastProg = &p
		}
	}
	if lastProg == nil || lastProg.Collection != "docs" || lastProg.Phase != "done" || lastProg.Percent != 100 ||
		lastProg.ChunksTotal != after.Chunks || lastProg.ChunksEmbedded != after.Chunks {
		t.Fatalf("last progress of re-embed run %d = %+v, want done with all %d chunks embedded", id, lastProg, after.Chunks)
	}
	for _, q := range []struct{ query, want string }{{"termination notice", "lease.md"}, {"confidential secret", "nda.txt"}} {
		res, err := lib.Search(SearchRequest{Collection: "docs", Query: q.query, Mode: "vector"})
		if err != nil || len(res.Results) == 0 || res.Results[0].Name != q.want {
			t.Fatalf("vector search %q after Reembed = %+v, %v; want %s first", q.query, res.Results, err, q.want)
		}
	}
}

func TestReembedQueuesBehindARunAndJoinsAWaitingOne(t *testing.T) {
	c := openCore(t)
	lib := NewLibraryService(c, &recorder{}, "test")
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.txt"), "alpha text\n")
	if _, err := lib.AddPaths("q", []string{dir}); err != nil {
		t.Fatal(err)
	}
	lib.wait()

	// Hold the queue busy so the re-embeds wait.
	lib.mu.Lock()
	lib.current = &indexJob{id: -1, cancel: func() {}}
	lib.mu.Unlock()
	id1, err1 := lib.Reembed("q")
	id2, err2 := lib.Reembed("q")
	lib.mu.Lock()
	queued := len(lib.queue)
	lib.queue = nil
	lib.current = nil
	lib.mu.Unlock()
	if err1 != nil || err2 != nil || id1 != id2 || queued != 1 {
		t.Fatalf("Reembed twice while busy = %d %v, %d %v with %d queued; want one queued run", id1, err1, id2, err2, queued)
	}
}
