// Package ingest turns files and folders into stored, searchable chunks:
// scan, compare with the store, extract, chunk, store text (keyword search
// works at once), then compute vectors in a second phase.
package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/reasonkit/desktop/internal/embed"
	"github.com/reasonkit/desktop/internal/ingest/chunk"
	"github.com/reasonkit/desktop/internal/ingest/extract"
	"github.com/reasonkit/desktop/internal/store"
)

// Pipeline indexes files into one store.
type Pipeline struct {
	Store *store.Store
	// Embedder computes vectors; nil (with EmbedderErr saying why) leaves
	// chunks keyword-only until an embedder is available.
	Embedder    embed.Embedder
	EmbedderErr error
	Chunking    chunk.Options
	Limits      extract.Limits
	Workers     int // 0: one per CPU core
	BatchSize   int // texts per Embed call; 0: 32
}

// Request says what to index.
type Request struct {
	Collection string
	Paths      []string
	// Reembed drops the collection's vectors first, so a changed embedder
	// re-embeds everything visibly.
	Reembed bool
	// SkipEmbed stores text only; vectors are left for a later run.
	SkipEmbed bool
}

// run carries one indexing run's shared state.
type run struct {
	p        *Pipeline
	coll     *store.Collection
	onChange func(Progress)
	start    time.Time

	mu      sync.Mutex
	prog    Progress
	summary Summary
}

// Run indexes req.Paths into req.Collection and reports progress to
// onChange (which may be nil; it is called from one goroutine at a time).
// Per-file problems are collected in the summary and never stop the run.
// Cancelling ctx stops cleanly: every stored document is complete.
func (p *Pipeline) Run(ctx context.Context, req Request, onChange func(Progress)) (*Summary, error) {
	if req.Collection == "" {
		req.Collection = "default"
	}
	coll, err := p.Store.EnsureCollection(ctx, req.Collection)
	if err != nil {
		return nil, err
	}
	if req.Reembed {
		if err := p.Store.ResetEmbeddings(ctx, coll.ID); err != nil {
			return nil, err
		}
	}
	r := &run{p: p, coll: coll, onChange: onChange, start: time.Now()}
	r.summary.Collection = coll.Name
	r.summary.Failed = []FileError{}
	r.prog = Progress{Collection: coll.Name, Phase: PhaseScan, ETASeconds: -1}
	r.emit()

	files, dirs, failed := scan(req.Paths)
	for _, f := range failed {
		r.fail(ctx, f.Path, 0, 0, f.Reason, false)
	}
	if err := r.dropVanished(ctx, files, dirs, req.Paths); err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.prog.Phase, r.prog.FilesTotal = PhaseText, len(files)
	r.mu.Unlock()
	r.emit()
	r.textPhase(ctx, files)

	if ctx.Err() == nil && !req.SkipEmbed {
		r.embedPhase(ctx)
	}
	pending, err := p.Store.CountPending(context.WithoutCancel(ctx), coll.ID)
	if err == nil {
		r.summary.EmbedPending = pending
	}
	r.summary.Elapsed = time.Since(r.start)
	r.summary.Cancelled = ctx.Err() != nil
	r.mu.Lock()
	r.prog.Phase = PhaseDone
	r.prog.ETASeconds = 0
	r.mu.Unlock()
	r.emit()
	return &r.summary, nil
}

// emit sends a copy of the current progress.
func (r *run) emit() {
	if r.onChange == nil {
		return
	}
	r.mu.Lock()
	r.prog.Elapsed = time.Since(r.start).Seconds()
	p := r.prog
	r.mu.Unlock()
	r.onChange(p)
}

// fileDone records one file's outcome and updates rate and ETA.
func (r *run) fileDone(path, status, reason string, chunks int) {
	r.mu.Lock()
	switch status {
	case "indexed":
		r.summary.Indexed++
		r.summary.Chunks += chunks
	case "unchanged":
		r.summary.Unchanged++
	}
	r.prog.FilesDone++
	r.prog.LastFile, r.prog.LastStatus, r.prog.LastError = path, status, reason
	el := time.Since(r.start).Seconds()
	if el > 0 {
		r.prog.Rate = float64(r.prog.FilesDone) / el
		left := r.prog.FilesTotal - r.prog.FilesDone
		r.prog.ETASeconds = float64(left) / r.prog.Rate
	}
	r.mu.Unlock()
	r.emit()
}

// fail records a per-file error in the store and the summary.
func (r *run) fail(ctx context.Context, path string, size, mtime int64, reason string, counted bool) {
	if err := r.p.Store.RecordFailure(context.WithoutCancel(ctx), r.coll.ID, path, size, mtime, reason); err != nil {
		reason += " (and recording the failure failed: " + err.Error() + ")"
	}
	r.mu.Lock()
	r.summary.Failed = append(r.summary.Failed, FileError{Path: path, Reason: reason})
	r.mu.Unlock()
	if counted {
		r.fileDone(path, "failed", reason, 0)
	}
}

// dropVanished deletes stored documents under the scanned folders (or named
// explicitly) whose files no longer exist.
func (r *run) dropVanished(ctx context.Context, files []target, dirs, named []string) error {
	docs, err := r.p.Store.Documents(ctx, r.coll.Name)
	if err != nil {
		return err
	}
	present := make(map[string]bool, len(files))
	for _, f := range files {
		present[f.path] = true
	}
	for _, d := range docs {
		if present[d.Path] {
			continue
		}
		inScope := false
		for _, dir := range dirs {
			inScope = inScope || under(d.Path, dir)
		}
		if !inScope {
			continue
		}
		if _, err := os.Lstat(d.Path); err == nil {
			continue // still there, just no longer matched (e.g. now hidden)
		}
		if err := r.p.Store.DeleteDocument(ctx, d.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		r.summary.Removed++
		r.mu.Lock()
		r.prog.LastFile, r.prog.LastStatus, r.prog.LastError = d.Path, "removed", ""
		r.mu.Unlock()
	}
	return nil
}

// textPhase extracts, chunks and stores files with bounded concurrency.
func (r *run) textPhase(ctx context.Context, files []target) {
	workers := r.p.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	jobs := make(chan target)
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for t := range jobs {
				r.indexFile(ctx, t)
			}
		}()
	}
feed:
	for _, f := range files {
		select {
		case jobs <- f:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
}

// indexFile brings one file's stored version up to date.
func (r *run) indexFile(ctx context.Context, t target) {
	if ctx.Err() != nil {
		return
	}
	r.mu.Lock()
	r.prog.CurrentFile = t.path
	r.mu.Unlock()
	st, err := os.Stat(t.path)
	if err != nil {
		r.fail(ctx, t.path, 0, 0, statReason(err), true)
		return
	}
	size, mtime := st.Size(), st.ModTime().UnixNano()
	if t.explicit && !extract.Supported(t.path) {
		r.fail(ctx, t.path, size, mtime, "unsupported file type: reasonkit indexes text, Markdown, HTML, PDF, DOCX, EPUB and source/config files", true)
		return
	}
	prev, err := r.p.Store.DocumentByPath(ctx, r.coll.ID, t.path)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		r.fail(ctx, t.path, size, mtime, err.Error(), true)
		return
	}
	fresh := prev != nil && prev.Status == store.StatusIndexed && prev.Error == ""
	if fresh && prev.Size == size && prev.MtimeNS == mtime {
		r.fileDone(t.path, "unchanged", "", 0)
		return
	}
	if r.p.Limits.MaxBytes > 0 && size > r.p.Limits.MaxBytes {
		r.fail(ctx, t.path, size, mtime, fmt.Sprintf("file is %d MB, over the %d MB limit ([processing] max_file_size_mb)",
			size>>20, r.p.Limits.MaxBytes>>20), true)
		return
	}
	hash, err := hashFile(t.path)
	if err != nil {
		r.fail(ctx, t.path, size, mtime, statReason(err), true)
		return
	}
	if fresh && prev.Hash == hash {
		if err := r.p.Store.TouchDocument(ctx, prev.ID, mtime); err != nil {
			r.fail(ctx, t.path, size, mtime, err.Error(), true)
			return
		}
		r.fileDone(t.path, "unchanged", "", 0)
		return
	}
	doc, err := extract.File(ctx, t.path, r.p.Limits)
	if err != nil {
		if ctx.Err() != nil {
			return
		}
		r.fail(ctx, t.path, size, mtime, reasonOf(t.path, err), true)
		return
	}
	parts := chunk.Split(doc, r.p.Chunking)
	if len(parts) == 0 {
		r.fail(ctx, t.path, size, mtime, "no text found (a scanned PDF or an image needs OCR first)", true)
		return
	}
	inputs := make([]store.ChunkInput, len(parts))
	for i, c := range parts {
		inputs[i] = store.ChunkInput{Ordinal: c.Ordinal, Text: c.Text, Page: c.Page, Heading: c.Heading, Start: c.Start, End: c.End}
	}
	in := store.DocumentInput{Path: t.path, Title: doc.Title, Format: doc.Format, Hash: hash, Size: size, MtimeNS: mtime}
	if _, err := r.p.Store.ReplaceDocument(context.WithoutCancel(ctx), r.coll.ID, in, inputs); err != nil {
		r.fail(ctx, t.path, size, mtime, err.Error(), true)
		return
	}
	r.fileDone(t.path, "indexed", "", len(parts))
}

// reasonOf strips the path from an extraction error (the path is shown next to it).
func reasonOf(path string, err error) string {
	var xe *extract.Error
	if errors.As(err, &xe) {
		return xe.Reason
	}
	return err.Error()
}

func hashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// embedPhase computes vectors for the collection's chunks that lack one.
func (r *run) embedPhase(ctx context.Context) {
	p := r.p
	if p.Embedder == nil {
		msg := "no embedder"
		if p.EmbedderErr != nil {
			msg = p.EmbedderErr.Error()
		}
		r.summary.EmbedError = "semantic search is off until vectors can be computed: " + msg
		return
	}
	if err := p.Store.BindEmbedder(ctx, r.coll.ID, r.coll.Name, p.Embedder.ID(), p.Embedder.Dim()); err != nil {
		r.summary.EmbedError = err.Error()
		return
	}
	total, err := p.Store.CountPending(ctx, r.coll.ID)
	if err != nil {
		r.summary.EmbedError = err.Error()
		return
	}
	batch := p.BatchSize
	if batch <= 0 {
		batch = 32
	}
	started := time.Now()
	r.mu.Lock()
	r.prog.Phase, r.prog.ChunksTotal, r.prog.CurrentFile, r.prog.ETASeconds = PhaseEmbed, total, "", -1
	r.mu.Unlock()
	r.emit()
	for ctx.Err() == nil {
		pending, err := p.Store.PendingChunks(ctx, r.coll.ID, batch)
		if err != nil || len(pending) == 0 {
			if err != nil && ctx.Err() == nil {
				r.summary.EmbedError = err.Error()
			}
			return
		}
		texts := make([]string, len(pending))
		ids := make([]int64, len(pending))
		for i, c := range pending {
			texts[i], ids[i] = c.Text, c.ID
		}
		vecs, err := p.Embedder.Embed(ctx, texts)
		if err != nil {
			if ctx.Err() == nil {
				r.summary.EmbedError = fmt.Sprintf("embedding with %s failed: %v", p.Embedder.ID(), err)
			}
			return
		}
		if err := p.Store.StoreVectors(context.WithoutCancel(ctx), r.coll.ID, p.Embedder.Dim(), ids, vecs); err != nil {
			r.summary.EmbedError = err.Error()
			return
		}
		r.mu.Lock()
		r.summary.Embedded += len(ids)
		r.prog.ChunksEmbedded = r.summary.Embedded
		if el := time.Since(started).Seconds(); el > 0 {
			r.prog.Rate = float64(r.prog.ChunksEmbedded) / el
			r.prog.ETASeconds = float64(total-r.prog.ChunksEmbedded) / r.prog.Rate
		}
		r.mu.Unlock()
		r.emit()
	}
}
