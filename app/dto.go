package app

import (
	"path/filepath"

	"github.com/reasonkit/desktop/internal/core"
	"github.com/reasonkit/desktop/internal/ingest"
	"github.com/reasonkit/desktop/internal/search"
	"github.com/reasonkit/desktop/internal/store"
)

// The DTOs below are what the web UI receives. Their JSON names are mirrored
// in frontend/src/lib/types.ts; keep both in step.

// Document statuses as the UI shows them.
const (
	StatusIndexed   = "indexed"
	StatusEmbedding = "embedding"
	StatusFailed    = "failed"
)

// CollectionInfo is one collection with its counts.
type CollectionInfo struct {
	Name       string `json:"name"`
	Documents  int    `json:"documents"`
	Failed     int    `json:"failed"`
	Chunks     int    `json:"chunks"`
	Embedded   int    `json:"embedded"`
	EmbedderID string `json:"embedder_id"`
	Dim        int    `json:"dim"`
}

func collectionInfo(c store.Collection) CollectionInfo {
	return CollectionInfo{Name: c.Name, Documents: c.Documents, Failed: c.Failed, Chunks: c.Chunks,
		Embedded: c.Embedded, EmbedderID: c.EmbedderID, Dim: c.Dim}
}

// DocumentInfo is one document row of the library table.
type DocumentInfo struct {
	ID           int64  `json:"id"`
	Collection   string `json:"collection"`
	Path         string `json:"path"`
	Name         string `json:"name"`
	Dir          string `json:"dir"`
	Title        string `json:"title"`
	Format       string `json:"format"`
	Size         int64  `json:"size"`
	Status       string `json:"status"` // indexed | embedding | failed
	EmbedPercent int    `json:"embed_percent"`
	Error        string `json:"error"`
	Chunks       int    `json:"chunks"`
	Embedded     int    `json:"embedded"`
	IndexedAt    int64  `json:"indexed_at"` // unix seconds
}

// documentInfo derives the UI status: a stored document whose chunks do not
// all have vectors yet is still "embedding".
func documentInfo(d store.Document) DocumentInfo {
	out := DocumentInfo{
		ID: d.ID, Collection: d.Collection, Path: d.Path, Name: filepath.Base(d.Path), Dir: filepath.Dir(d.Path),
		Title: d.Title, Format: d.Format, Size: d.Size, Error: d.Error, Chunks: d.Chunks, Embedded: d.Embedded,
		IndexedAt: d.IndexedAt.Unix(), Status: StatusIndexed, EmbedPercent: 100,
	}
	switch {
	case d.Status == store.StatusFailed:
		out.Status, out.EmbedPercent = StatusFailed, 0
	case d.Chunks > 0 && d.Embedded < d.Chunks:
		out.Status = StatusEmbedding
		out.EmbedPercent = d.Embedded * 100 / d.Chunks
	}
	return out
}

// SearchRequest is what the search box sends.
type SearchRequest struct {
	Collection string `json:"collection"`
	Query      string `json:"query"`
	K          int    `json:"k"`
	Mode       string `json:"mode"`
}

// SearchHit is one result row.
type SearchHit struct {
	ChunkID    int64    `json:"chunk_id"`
	DocumentID int64    `json:"document_id"`
	Path       string   `json:"path"`
	Name       string   `json:"name"`
	Title      string   `json:"title"`
	Page       *int     `json:"page"`
	Heading    string   `json:"heading"`
	Score      float64  `json:"score"`
	Snippet    string   `json:"snippet"`
	Highlights [][2]int `json:"highlights"` // [start, end) rune offsets into Snippet
}

// SearchResult is a search's answer.
type SearchResult struct {
	Query     string      `json:"query"`
	Mode      string      `json:"mode"`
	Notice    string      `json:"notice"`
	ElapsedMS float64     `json:"elapsed_ms"`
	Results   []SearchHit `json:"results"`
}

func searchResult(q string, r *search.Response, elapsedMS float64) SearchResult {
	out := SearchResult{Query: q, Mode: r.Mode, Notice: r.Notice, ElapsedMS: elapsedMS, Results: make([]SearchHit, 0, len(r.Results))}
	for _, h := range r.Results {
		hl := h.Highlights
		if hl == nil {
			hl = [][2]int{}
		}
		out.Results = append(out.Results, SearchHit{
			ChunkID: h.ChunkID, DocumentID: h.DocumentID, Path: h.Path, Name: filepath.Base(h.Path), Title: h.Title,
			Page: h.Page, Heading: h.Heading, Score: h.Score, Snippet: h.Snippet, Highlights: hl,
		})
	}
	return out
}

// ChunkText is a chunk's text and where it sits.
type ChunkText struct {
	ID      int64  `json:"id"`
	Ordinal int    `json:"ordinal"`
	Text    string `json:"text"`
	Page    int    `json:"page"`
	Heading string `json:"heading"`
}

func chunkText(c store.Chunk) ChunkText {
	return ChunkText{ID: c.ID, Ordinal: c.Ordinal, Text: c.Text, Page: c.Page, Heading: c.Heading}
}

// Preview is a chunk with its neighbours, for the result preview.
type Preview struct {
	DocumentID int64       `json:"document_id"`
	Path       string      `json:"path"`
	Name       string      `json:"name"`
	Title      string      `json:"title"`
	Page       *int        `json:"page"`
	Heading    string      `json:"heading"`
	Chunk      ChunkText   `json:"chunk"`
	Before     []ChunkText `json:"before"`
	After      []ChunkText `json:"after"`
}

func preview(cc *core.ChunkContext) Preview {
	c := cc.Chunk
	p := Preview{DocumentID: c.DocumentID, Path: c.Path, Name: filepath.Base(c.Path), Title: c.Title,
		Heading: c.Heading, Chunk: chunkText(c), Before: []ChunkText{}, After: []ChunkText{}}
	if c.Page > 0 {
		page := c.Page
		p.Page = &page
	}
	for _, b := range cc.Before {
		p.Before = append(p.Before, chunkText(b))
	}
	for _, a := range cc.After {
		p.After = append(p.After, chunkText(a))
	}
	return p
}

// FileEvent is one file's outcome during an indexing run.
type FileEvent struct {
	Path   string `json:"path"`
	Status string `json:"status"` // indexed | unchanged | failed | removed
	Error  string `json:"error"`
}

// IndexProgress is the throttled progress event ("library:progress").
type IndexProgress struct {
	RunID          int64       `json:"run_id"`
	Collection     string      `json:"collection"`
	Phase          string      `json:"phase"`
	FilesTotal     int         `json:"files_total"`
	FilesDone      int         `json:"files_done"`
	ChunksTotal    int         `json:"chunks_total"`
	ChunksEmbedded int         `json:"chunks_embedded"`
	CurrentFile    string      `json:"current_file"`
	Rate           float64     `json:"rate"`
	ETASeconds     float64     `json:"eta_seconds"`
	Elapsed        float64     `json:"elapsed_seconds"`
	Percent        int         `json:"percent"`
	Files          []FileEvent `json:"files"`         // file outcomes since the previous event
	DroppedFiles   int         `json:"dropped_files"` // outcomes not listed to keep the event small
}

// overallPercent weighs the text phase as the first half and vectors as the
// second, so one bar moves steadily from 0 to 100 across both phases.
func overallPercent(p ingest.Progress) int {
	frac := func(done, total int) float64 {
		if total <= 0 {
			return 1
		}
		return min(1, float64(done)/float64(total))
	}
	switch p.Phase {
	case ingest.PhaseScan:
		return 0
	case ingest.PhaseText:
		return int(50 * frac(p.FilesDone, p.FilesTotal))
	case ingest.PhaseEmbed:
		return 50 + int(50*frac(p.ChunksEmbedded, p.ChunksTotal))
	case ingest.PhaseDone:
		return 100
	}
	return 0
}

// IndexDone is the event sent when a run ends ("library:done").
type IndexDone struct {
	RunID        int64              `json:"run_id"`
	Collection   string             `json:"collection"`
	Indexed      int                `json:"indexed"`
	Unchanged    int                `json:"unchanged"`
	Removed      int                `json:"removed"`
	Failed       []ingest.FileError `json:"failed"`
	Chunks       int                `json:"chunks"`
	Embedded     int                `json:"embedded"`
	EmbedPending int                `json:"embed_pending"`
	EmbedError   string             `json:"embed_error"`
	Cancelled    bool               `json:"cancelled"`
	Elapsed      float64            `json:"elapsed_seconds"`
	Error        string             `json:"error"`
}

func indexDone(runID int64, collection string, s *ingest.Summary, err error) IndexDone {
	d := IndexDone{RunID: runID, Collection: collection, Failed: []ingest.FileError{}}
	if s != nil {
		d.Indexed, d.Unchanged, d.Removed, d.Chunks = s.Indexed, s.Unchanged, s.Removed, s.Chunks
		d.Embedded, d.EmbedPending, d.EmbedError, d.Cancelled = s.Embedded, s.EmbedPending, s.EmbedError, s.Cancelled
		d.Elapsed = s.Elapsed.Seconds()
		if s.Failed != nil {
			d.Failed = s.Failed
		}
	}
	if err != nil {
		d.Error = err.Error()
	}
	return d
}

// AppInfo describes this installation for the status bar and Settings.
type AppInfo struct {
	Version          string `json:"version"`
	DataDir          string `json:"data_dir"`
	ConfigFile       string `json:"config_file"`
	EmbeddingBackend string `json:"embedding_backend"`
	EmbeddingModel   string `json:"embedding_model"`
	// EmbedderID names the configured embedder as collections record
	// theirs (CollectionInfo.EmbedderID), "backend:model@dims".
	EmbedderID      string `json:"embedder_id"`
	RemoteEmbedding bool   `json:"remote_embedding"`
	Theme           string `json:"theme"`
	Indexing        bool   `json:"indexing"`
}
