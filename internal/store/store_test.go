package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/reasonkit/desktop/internal/egress"
	"github.com/reasonkit/desktop/internal/protocol"
)

// mustOpen opens a fresh store in a temp dir and closes it after the test.
func mustOpen(t testing.TB) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "reasonkit.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func count(t testing.TB, s *Store, q string, args ...any) int {
	t.Helper()
	var n int
	if err := s.db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func addDoc(t testing.TB, s *Store, coll int64, path string, texts ...string) int64 {
	t.Helper()
	chunks := make([]ChunkInput, len(texts))
	for i, txt := range texts {
		chunks[i] = ChunkInput{Ordinal: i, Text: txt, Start: i * 100, End: i*100 + len(txt)}
	}
	id, err := s.ReplaceDocument(context.Background(), coll, DocumentInput{Path: path, Title: filepath.Base(path), Format: "text", Hash: "h-" + path}, chunks)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestOpenMigratesOnceAndRestrictsFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "reasonkit.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	n := count(t, s, `SELECT count(*) FROM schema_migrations`)
	s.Close()
	if n == 0 {
		t.Fatal("no migrations recorded")
	}
	s, err = Open(path) // reopening must not re-apply anything
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if again := count(t, s, `SELECT count(*) FROM schema_migrations`); again != n {
		t.Fatalf("migrations %d then %d", n, again)
	}
	var mode string
	s.db.QueryRow(`PRAGMA journal_mode`).Scan(&mode)
	if mode != "wal" {
		t.Fatalf("journal_mode = %q", mode)
	}
	if fk := count(t, s, `PRAGMA foreign_keys`); fk != 1 {
		t.Fatal("foreign keys off")
	}
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("db mode %v", st.Mode().Perm())
	}
}

func TestDeleteDocumentCascadesToKeywordsAndVectors(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t)
	c, err := s.EnsureCollection(ctx, "default")
	if err != nil {
		t.Fatal(err)
	}
	keep := addDoc(t, s, c.ID, "/a.txt", "alpha notice period", "beta clause")
	gone := addDoc(t, s, c.ID, "/b.txt", "termination notice", "gamma", "delta")
	if err := s.BindEmbedder(ctx, c.ID, c.Name, "test@3", 3); err != nil {
		t.Fatal(err)
	}
	pending, err := s.PendingChunks(ctx, c.ID, 100)
	if err != nil || len(pending) != 5 {
		t.Fatalf("pending = %d, %v", len(pending), err)
	}
	ids := make([]int64, len(pending))
	vecs := make([][]float32, len(pending))
	for i, p := range pending {
		ids[i] = p.ID
		vecs[i] = []float32{1, float32(i), 0}
	}
	if err := s.StoreVectors(ctx, c.ID, 3, ids, vecs); err != nil {
		t.Fatal(err)
	}
	if n := count(t, s, `SELECT count(*) FROM chunk_vectors_3`); n != 5 {
		t.Fatalf("vectors = %d", n)
	}
	if err := s.DeleteDocument(ctx, gone); err != nil {
		t.Fatal(err)
	}
	if n := count(t, s, `SELECT count(*) FROM chunks`); n != 2 {
		t.Fatalf("chunks after delete = %d", n)
	}
	if n := count(t, s, `SELECT count(*) FROM chunk_vectors_3`); n != 2 {
		t.Fatalf("vectors after delete = %d", n)
	}
	hits, err := s.KeywordSearch(ctx, c.ID, "notice", 10)
	if err != nil || len(hits) != 1 {
		t.Fatalf("keyword hits after delete = %v, %v", hits, err)
	}
	if got, _ := s.Chunks(ctx, []int64{hits[0].ChunkID}); got[hits[0].ChunkID].DocumentID != keep {
		t.Fatal("surviving hit belongs to the deleted document")
	}
	if err := s.IntegrityCheck(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteDocument(ctx, gone); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
}

func TestReplaceDocumentSwapsChunksAtomically(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t)
	c, _ := s.EnsureCollection(ctx, "default")
	id1 := addDoc(t, s, c.ID, "/a.txt", "old words here")
	id2 := addDoc(t, s, c.ID, "/a.txt", "new words", "more new words")
	if id1 != id2 {
		t.Fatalf("re-indexing changed the document id %d -> %d", id1, id2)
	}
	if hits, _ := s.KeywordSearch(ctx, c.ID, "old", 10); len(hits) != 0 {
		t.Fatalf("old text still found: %v", hits)
	}
	if hits, _ := s.KeywordSearch(ctx, c.ID, "new", 10); len(hits) != 2 {
		t.Fatalf("new text hits = %d", len(hits))
	}
	d, err := s.Document(ctx, id2)
	if err != nil || d.Chunks != 2 || d.Status != StatusIndexed {
		t.Fatalf("document = %+v, %v", d, err)
	}
	// A failure after a successful index keeps the chunks and records the error.
	if err := s.RecordFailure(ctx, c.ID, "/a.txt", 1, 2, "truncated PDF"); err != nil {
		t.Fatal(err)
	}
	d, _ = s.Document(ctx, id2)
	if d.Status != StatusIndexed || d.Error != "truncated PDF" || d.Chunks != 2 {
		t.Fatalf("failure lost stored data: %+v", d)
	}
}

func TestEmbedderMismatchIsRefusedUntilReset(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t)
	c, _ := s.EnsureCollection(ctx, "docs")
	addDoc(t, s, c.ID, "/a.txt", "one")
	if err := s.BindEmbedder(ctx, c.ID, c.Name, "model-a@3", 3); err != nil {
		t.Fatal(err)
	}
	p, _ := s.PendingChunks(ctx, c.ID, 10)
	if err := s.StoreVectors(ctx, c.ID, 3, []int64{p[0].ID}, [][]float32{{1, 0, 0}}); err != nil {
		t.Fatal(err)
	}
	err := s.BindEmbedder(ctx, c.ID, c.Name, "model-b@4", 4)
	var mm *EmbedderMismatchError
	if !errors.As(err, &mm) || mm.Have != "model-a@3" {
		t.Fatalf("want mismatch error, got %v", err)
	}
	if err := s.ResetEmbeddings(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.CountPending(ctx, c.ID); n != 1 {
		t.Fatalf("pending after reset = %d", n)
	}
	if n := count(t, s, `SELECT count(*) FROM chunk_vectors_3`); n != 0 {
		t.Fatalf("old vectors left: %d", n)
	}
	if err := s.BindEmbedder(ctx, c.ID, c.Name, "model-b@4", 4); err != nil {
		t.Fatalf("bind after reset: %v", err)
	}
}

func TestVectorSearchStaysInCollection(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t)
	var colls []*Collection
	for i := 0; i < 2; i++ {
		c, _ := s.EnsureCollection(ctx, fmt.Sprintf("c%d", i))
		addDoc(t, s, c.ID, "/x.txt", "same text")
		if err := s.BindEmbedder(ctx, c.ID, c.Name, "m@2", 2); err != nil {
			t.Fatal(err)
		}
		p, _ := s.PendingChunks(ctx, c.ID, 10)
		if err := s.StoreVectors(ctx, c.ID, 2, []int64{p[0].ID}, [][]float32{{1, float32(i)}}); err != nil {
			t.Fatal(err)
		}
		colls = append(colls, c)
	}
	hits, err := s.VectorSearch(ctx, colls[1].ID, []float32{1, 0}, 5)
	if err != nil || len(hits) != 1 {
		t.Fatalf("hits = %v, %v", hits, err)
	}
	chunks, _ := s.Chunks(ctx, []int64{hits[0].ChunkID})
	if chunks[hits[0].ChunkID].Collection != "c1" {
		t.Fatalf("hit from wrong collection: %+v", chunks)
	}
	if err := s.DeleteCollection(ctx, "c0"); err != nil {
		t.Fatal(err)
	}
	if err := s.IntegrityCheck(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestOutboundLogKeepsBodiesPerRun(t *testing.T) {
	s := mustOpen(t)
	ctx := WithRunID(context.Background(), "run-1")
	for i, body := range []string{`{"a":1}`, `{"b":2}`} {
		e := egress.Entry{Time: time.Unix(int64(i), 0), Provider: "openai", Host: "127.0.0.1:1", Purpose: "chat", Bytes: len(body), Body: body, Status: 200}
		if err := s.LogOutbound(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	s.LogOutbound(context.Background(), egress.Entry{Time: time.Now(), Provider: "x", Body: "other"})
	recs, err := s.Outbound(context.Background(), "run-1", 10)
	if err != nil || len(recs) != 2 || recs[0].Body != `{"b":2}` || recs[1].Provider != "openai" {
		t.Fatalf("records = %+v, %v", recs, err)
	}
	if all, _ := s.Outbound(context.Background(), "", 10); len(all) != 3 {
		t.Fatalf("all = %d", len(all))
	}
}

func TestRunTraceRoundTrip(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	rec := s.Runs()
	conf := 0.8
	started := time.Unix(100, 0)
	run := &protocol.Run{ID: "r1", Kind: "protocol", Protocol: "gigathink", Inputs: map[string]string{"query": "Renew Acme?"},
		Provider: "openai", Model: "gpt-4o-mini", Status: protocol.StatusRunning, StartedAt: started}
	if err := rec.RunStarted(ctx, run); err != nil {
		t.Fatal(err)
	}
	step := protocol.StepResult{Seq: 1, Protocol: "gigathink", Step: "identify_dimensions", Attempt: 1, Status: protocol.StatusRunning,
		Prompt: "<data name=\"query\">Renew Acme?</data>", StartedAt: started}
	if err := rec.StepStarted(ctx, "r1", step); err != nil {
		t.Fatal(err)
	}
	// A run that dies here must still show its started step.
	got, err := s.LoadRun(ctx, "r1")
	if err != nil || len(got.Steps) != 1 || got.Steps[0].Prompt != step.Prompt {
		t.Fatalf("in-flight run = %+v, %v", got, err)
	}
	step.Status, step.Reply, step.Confidence = protocol.StepOK, "1. cost\nCONFIDENCE: 0.8", &conf
	if err := rec.StepFinished(ctx, "r1", step); err != nil {
		t.Fatal(err)
	}
	run.Status, run.Confidence, run.Band, run.Answer = protocol.StatusCompleted, &conf, "moderate", "Renew."
	run.Steps = []*protocol.StepResult{&step}
	run.FinishedAt = started.Add(time.Second)
	if err := rec.RunFinished(ctx, run); err != nil {
		t.Fatal(err)
	}
	got, err = s.LoadRun(ctx, "r1")
	if err != nil || got.Answer != "Renew." || *got.Confidence != 0.8 || got.Steps[0].Reply != step.Reply {
		t.Fatalf("finished run = %+v, %v", got, err)
	}
	list, err := s.ListRuns(ctx, 10)
	if err != nil || len(list) != 1 || list[0].Name != "gigathink" || list[0].Query != "Renew Acme?" || list[0].Steps != 1 {
		t.Fatalf("list = %+v, %v", list, err)
	}
	if _, err := s.LoadRun(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing run: %v", err)
	}
}

func TestKeywordSearchFindsSmallCollectionBesideLargeOne(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t)
	big, _ := s.EnsureCollection(ctx, "big")
	small, _ := s.EnsureCollection(ctx, "small")
	for i := 0; i < 30; i++ {
		addDoc(t, s, big.ID, fmt.Sprintf("/big/%d.txt", i), "harbour harbour harbour lights", "harbour again")
	}
	addDoc(t, s, small.ID, "/small/a.txt", "one harbour mention among many other words in a long sentence")
	hits, err := s.KeywordSearch(ctx, small.ID, `"harbour"`, 5)
	if err != nil || len(hits) != 1 {
		t.Fatalf("small collection hits = %v, %v", hits, err)
	}
	hits, err = s.KeywordSearch(ctx, big.ID, `"harbour"`, 5)
	if err != nil || len(hits) != 5 {
		t.Fatalf("big collection hits = %v, %v", hits, err)
	}
}
