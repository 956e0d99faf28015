package ingest

import "time"

// Phase names what the pipeline is doing.
const (
	PhaseScan  = "scan"  // walking folders and comparing with the store
	PhaseText  = "text"  // extracting, chunking and storing text (keyword search works)
	PhaseEmbed = "embed" // computing vectors (semantic search fills in)
	PhaseDone  = "done"
)

// Progress is a snapshot of an indexing run, sent to the CLI bar and the
// desktop UI. It is a plain value: safe to copy and to marshal to JSON.
type Progress struct {
	Collection string `json:"collection"`
	Phase      string `json:"phase"`
	// Files: found to consider, done so far (indexed, unchanged or failed).
	FilesTotal int `json:"files_total"`
	FilesDone  int `json:"files_done"`
	// Chunks waiting for and given vectors in this run.
	ChunksTotal    int     `json:"chunks_total"`
	ChunksEmbedded int     `json:"chunks_embedded"`
	CurrentFile    string  `json:"current_file"`
	Rate           float64 `json:"rate"`        // files/s in the text phase, chunks/s in the embed phase
	ETASeconds     float64 `json:"eta_seconds"` // -1 when unknown
	Elapsed        float64 `json:"elapsed_seconds"`
	// Last file event, if any: "indexed", "unchanged", "failed", "removed".
	LastFile   string `json:"last_file,omitempty"`
	LastStatus string `json:"last_status,omitempty"`
	LastError  string `json:"last_error,omitempty"`
}

// FileError is one file that could not be indexed.
type FileError struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

// Summary is the result of one indexing run.
type Summary struct {
	Collection   string        `json:"collection"`
	Indexed      int           `json:"indexed"`   // new or changed files stored
	Unchanged    int           `json:"unchanged"` // skipped by size+mtime or hash
	Removed      int           `json:"removed"`   // files gone from disk, dropped from the store
	Failed       []FileError   `json:"failed"`
	Chunks       int           `json:"chunks"`        // chunks written in this run
	Embedded     int           `json:"embedded"`      // vectors written in this run
	EmbedPending int           `json:"embed_pending"` // chunks still without vectors
	EmbedError   string        `json:"embed_error,omitempty"`
	Elapsed      time.Duration `json:"elapsed_ns"`
	Cancelled    bool          `json:"cancelled"`
}
