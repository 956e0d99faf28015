package ingest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/reasonkit/desktop/internal/ingest/chunk"
	"github.com/reasonkit/desktop/internal/ingest/extract"
	"github.com/reasonkit/desktop/internal/store"
)

func newPipeline(t testing.TB, dbPath string) *Pipeline {
	t.Helper()
	st, err := store.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &Pipeline{
		Store:    st,
		Chunking: chunk.Options{Size: 400, Overlap: 50},
		Limits:   extract.Limits{MaxBytes: 100 << 20},
		Workers:  2,
	}
}

func write(t testing.TB, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func docIDs(t testing.TB, st *store.Store) map[string]store.Document {
	t.Helper()
	docs, err := st.Documents(context.Background(), "default")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]store.Document{}
	for _, d := range docs {
		out[filepath.Base(d.Path)] = d
	}
	return out
}

func TestIncrementalReindexTouchesOnlyChanges(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "keep.md"), "# Keep\n\nThis file never changes. It mentions lighthouses.\n")
	write(t, filepath.Join(dir, "change.txt"), "The original text about harbours.\n")
	write(t, filepath.Join(dir, "sub", "gone.txt"), "This file will be deleted. Glaciers.\n")
	write(t, filepath.Join(dir, ".hidden", "secret.txt"), "hidden folders are skipped\n")
	p := newPipeline(t, filepath.Join(t.TempDir(), "r.db"))
	ctx := context.Background()

	sum, err := p.Run(ctx, Request{Paths: []string{dir}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Indexed != 3 || len(sum.Failed) != 0 {
		t.Fatalf("first run: %+v", sum)
	}
	before := docIDs(t, p.Store)

	// Same content, new mtime: re-hashed but not re-chunked.
	future := time.Now().Add(time.Hour)
	os.Chtimes(filepath.Join(dir, "keep.md"), future, future)
	write(t, filepath.Join(dir, "change.txt"), "Completely new text about lighthouses and harbours.\n")
	os.Remove(filepath.Join(dir, "sub", "gone.txt"))
	write(t, filepath.Join(dir, "new.txt"), "A new file about glaciers.\n")

	var events []Progress
	sum, err = p.Run(ctx, Request{Paths: []string{dir}}, func(pr Progress) { events = append(events, pr) })
	if err != nil {
		t.Fatal(err)
	}
	if sum.Indexed != 2 || sum.Unchanged != 1 || sum.Removed != 1 || len(sum.Failed) != 0 {
		t.Fatalf("second run: %+v", sum)
	}
	after := docIDs(t, p.Store)
	if _, ok := after["gone.txt"]; ok {
		t.Fatal("deleted file still stored")
	}
	if after["keep.md"].IndexedAt != before["keep.md"].IndexedAt || after["keep.md"].MtimeNS == before["keep.md"].MtimeNS {
		t.Fatalf("unchanged file was re-indexed or its mtime not recorded: %+v -> %+v", before["keep.md"], after["keep.md"])
	}
	if after["change.txt"].Hash == before["change.txt"].Hash {
		t.Fatal("changed file kept its old hash")
	}
	hits, err := p.Store.KeywordSearch(ctx, after["new.txt"].CollectionID, `"glaciers"`, 10)
	if err != nil || len(hits) != 1 {
		t.Fatalf("glaciers hits = %v, %v (only new.txt should match)", hits, err)
	}
	last := events[len(events)-1]
	if last.Phase != PhaseDone || last.FilesDone != last.FilesTotal || last.FilesTotal != 3 {
		t.Fatalf("last progress = %+v", last)
	}
	if err := p.Store.IntegrityCheck(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestBadInputsFailPerFileAndTheRestIndex(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "good.txt"), "Good file about the termination notice period.\n")
	write(t, filepath.Join(dir, "empty.txt"), "")
	write(t, filepath.Join(dir, "binary.txt"), "ELF\x00\x01\x02\x00\x00binary")
	write(t, filepath.Join(dir, "latin1.txt"), "caf\xe9 cr\xe8me br\xfbl\xe9e is on the menu\n")
	write(t, filepath.Join(dir, "oneline.txt"), strings.Repeat("word ", 2_000_000)) // 10 MB, no newline
	big, err := os.Create(filepath.Join(dir, "huge.txt"))
	if err != nil {
		t.Fatal(err)
	}
	big.Truncate(1 << 30) // a sparse 1 GiB file: must be refused by size, never read
	big.Close()
	if err := os.Symlink("loop-b.txt", filepath.Join(dir, "loop-a.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("loop-a.txt", filepath.Join(dir, "loop-b.txt")); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "truncated.pdf"), "%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pa")

	p := newPipeline(t, filepath.Join(t.TempDir(), "r.db"))
	p.Limits.MaxBytes = 64 << 20
	sum, err := p.Run(context.Background(), Request{Paths: []string{dir}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[string]string{}
	for _, f := range sum.Failed {
		reasons[filepath.Base(f.Path)] = f.Reason
	}
	want := map[string]string{
		"empty.txt":     "empty",
		"binary.txt":    "binary",
		"huge.txt":      "over the 64 MB limit",
		"loop-a.txt":    "loop",
		"loop-b.txt":    "loop",
		"truncated.pdf": "",
	}
	for name, frag := range want {
		r, ok := reasons[name]
		if !ok {
			t.Errorf("%s did not fail (failures: %v)", name, reasons)
			continue
		}
		if !strings.Contains(strings.ToLower(r), strings.ToLower(frag)) {
			t.Errorf("%s failed with %q, want it to mention %q", name, r, frag)
		}
	}
	docs := docIDs(t, p.Store)
	for _, name := range []string{"good.txt", "latin1.txt", "oneline.txt"} {
		if docs[name].Status != store.StatusIndexed || docs[name].Chunks == 0 {
			t.Errorf("%s not indexed: %+v", name, docs[name])
		}
	}
	if sum.Indexed != 3 {
		t.Errorf("indexed = %d, want 3", sum.Indexed)
	}
	if docs["empty.txt"].Status != store.StatusFailed || docs["empty.txt"].Error == "" {
		t.Errorf("failure not stored with its reason: %+v", docs["empty.txt"])
	}
}

func TestCancelLeavesOnlyCompleteDocuments(t *testing.T) {
	dir := t.TempDir()
	for i := 0; i < 40; i++ {
		write(t, filepath.Join(dir, fmt.Sprintf("f%02d.txt", i)), strings.Repeat(fmt.Sprintf("Paragraph %d about storms and tides.\n\n", i), 200))
	}
	p := newPipeline(t, filepath.Join(t.TempDir(), "r.db"))
	ctx, cancel := context.WithCancel(context.Background())
	sum, err := p.Run(ctx, Request{Paths: []string{dir}}, func(pr Progress) {
		if pr.FilesDone >= 5 {
			cancel()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if !sum.Cancelled || sum.Indexed >= 40 {
		t.Fatalf("not cancelled: %+v", sum)
	}
	for _, d := range docIDs(t, p.Store) {
		var n int
		p.Store.DB().QueryRow(`SELECT count(*) FROM chunks WHERE document_id = ?`, d.ID).Scan(&n)
		if d.Status != store.StatusIndexed || n != d.Chunks {
			t.Fatalf("half-indexed document after cancel: %+v has %d chunks", d, n)
		}
	}
	sum, err = p.Run(context.Background(), Request{Paths: []string{dir}}, nil)
	if err != nil || sum.Indexed+sum.Unchanged != 40 {
		t.Fatalf("resume: %+v, %v", sum, err)
	}
	if err := p.Store.IntegrityCheck(context.Background()); err != nil {
		t.Fatal(err)
	}
}
