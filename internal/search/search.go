// Package search finds passages: FTS5 bm25 keyword search and vec0 vector
// search over the store, fused with reciprocal rank fusion.
package search

// Modes.
const (
	ModeHybrid  = "hybrid"
	ModeKeyword = "keyword"
	ModeVector  = "vector"
)

// Request is one search.
type Request struct {
	Collection string
	Query      string
	K          int    // results wanted
	Mode       string // hybrid (default), keyword or vector
}

// Result is one passage, in rank order. JSON names follow the CLI contract.
type Result struct {
	Path       string  `json:"path"`
	Page       *int    `json:"page"` // 1-based for paged formats, else null
	Heading    string  `json:"heading"`
	ChunkID    int64   `json:"chunk_id"`
	DocumentID int64   `json:"document_id"`
	Title      string  `json:"title"`
	Score      float64 `json:"score"`
	// Snippet is plain text around the best match; Highlights are the
	// [start, end) rune offsets of query terms inside it, which the CLI and UI
	// render as highlighting (never as HTML).
	Snippet    string   `json:"snippet"`
	Highlights [][2]int `json:"highlights"`
	Text       string   `json:"-"` // the whole chunk, for grounding
	Start      int      `json:"start"`
	End        int      `json:"end"`
}

// Response is a search's results plus what the caller should know.
type Response struct {
	Results []Result `json:"results"`
	Mode    string   `json:"mode"`
	// Notice explains a degraded answer, e.g. "vectors are still being
	// computed: 40% embedded; keyword results fill the rest".
	Notice string `json:"notice,omitempty"`
}
