package search

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode"

	"github.com/reasonkit/desktop/internal/embed"
	"github.com/reasonkit/desktop/internal/store"
)

// maxPerDocument caps how many passages one document may contribute, so a
// long file that repeats the query terms cannot crowd out every other file.
const maxPerDocument = 2

// Searcher runs searches over one store.
type Searcher struct {
	Store *store.Store
	// Embedder embeds queries for vector search; nil or an error from
	// EmbedderErr means keyword-only (hybrid says so in its Notice).
	Embedder    embed.Embedder
	EmbedderErr error
	RRFK        int     // reciprocal rank fusion constant (60)
	MinScore    float64 // drop results below this normalised score (0..1)
}

// candidate is one chunk with its ranks in each list (0 = absent).
type candidate struct {
	id                   int64
	keywordRank, vecRank int
	bm25, distance       float64
	fused                float64
}

// Search runs req and returns passages in rank order.
func (s *Searcher) Search(ctx context.Context, req Request) (*Response, error) {
	if req.K <= 0 {
		req.K = 8
	}
	if req.Mode == "" {
		req.Mode = ModeHybrid
	}
	if req.Collection == "" {
		req.Collection = "default"
	}
	rrfK := s.RRFK
	if rrfK <= 0 {
		rrfK = 60
	}
	resp := &Response{Mode: req.Mode, Results: []Result{}}
	coll, err := s.Store.Collection(ctx, req.Collection)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("no collection %q yet; index files into it with `reasonkit index --collection %s PATH`", req.Collection, req.Collection)
	}
	if err != nil {
		return nil, err
	}
	pool := max(req.K*5, 50)

	if req.Mode != ModeHybrid && req.Mode != ModeKeyword && req.Mode != ModeVector {
		return nil, fmt.Errorf("unknown search mode %q: use hybrid, keyword or vector", req.Mode)
	}
	// The keyword query runs beside the query embedding and KNN, so hybrid
	// costs about the slower of the two rather than their sum.
	var kw, vec []store.Hit
	var kwErr error
	kwDone := make(chan struct{})
	go func() {
		defer close(kwDone)
		if expr := matchExpr(req.Query); expr != "" && req.Mode != ModeVector {
			kw, kwErr = s.Store.KeywordSearch(ctx, coll.ID, expr, pool)
		}
	}()
	if req.Mode == ModeVector || req.Mode == ModeHybrid {
		var notice string
		vec, notice, err = s.vectorHits(ctx, coll, req.Query, pool)
		if err != nil {
			if req.Mode == ModeVector {
				return nil, err
			}
			notice = err.Error() + "; showing keyword results only"
		}
		resp.Notice = notice
	}
	<-kwDone
	if kwErr != nil {
		return nil, kwErr
	}

	cands := fuse(kw, vec, rrfK, vectorWeight(req.Query))
	ids := make([]int64, len(cands))
	for i, c := range cands {
		ids[i] = c.id
	}
	chunks, err := s.Store.Chunks(ctx, ids)
	if err != nil {
		return nil, err
	}
	perDoc := map[int64]int{}
	bestBM25 := 0.0
	if len(kw) > 0 {
		bestBM25 = kw[0].Score
	}
	for _, c := range cands {
		ch, ok := chunks[c.id]
		if !ok || perDoc[ch.DocumentID] >= maxPerDocument {
			continue
		}
		score := s.normalise(req.Mode, c, bestBM25, rrfK)
		if score < s.MinScore {
			continue
		}
		perDoc[ch.DocumentID]++
		r := Result{Path: ch.Path, Heading: ch.Heading, ChunkID: ch.ID, DocumentID: ch.DocumentID, Title: ch.Title,
			Score: score, Text: ch.Text, Start: ch.Start, End: ch.End}
		if ch.Page > 0 {
			p := ch.Page
			r.Page = &p
		}
		r.Snippet, r.Highlights = makeSnippet(ch.Text, req.Query)
		resp.Results = append(resp.Results, r)
		if len(resp.Results) == req.K {
			break
		}
	}
	return resp, nil
}

// vectorHits embeds the query and runs KNN, or explains why it cannot.
func (s *Searcher) vectorHits(ctx context.Context, coll *store.Collection, query string, k int) ([]store.Hit, string, error) {
	if s.Embedder == nil {
		err := s.EmbedderErr
		if err == nil {
			err = errors.New("no embedder configured")
		}
		return nil, "", fmt.Errorf("semantic search unavailable: %w", err)
	}
	if coll.EmbedderID == "" {
		return nil, "", fmt.Errorf("no vectors in collection %q yet (run `reasonkit index` to compute them)", coll.Name)
	}
	if coll.EmbedderID != s.Embedder.ID() {
		return nil, "", &store.EmbedderMismatchError{Collection: coll.Name, Have: coll.EmbedderID, HaveDim: coll.Dim, Want: s.Embedder.ID()}
	}
	vecs, err := s.Embedder.Embed(ctx, []string{query})
	if err != nil {
		return nil, "", fmt.Errorf("embed query: %w", err)
	}
	hits, err := s.Store.VectorSearch(ctx, coll.ID, vecs[0], k)
	if err != nil {
		return nil, "", err
	}
	notice := ""
	if coll.Embedded < coll.Chunks {
		notice = fmt.Sprintf("vectors are still being computed (%d of %d chunks); keyword matches cover the rest",
			coll.Embedded, coll.Chunks)
	}
	return hits, notice, nil
}

// vectorWeight is the weight of the vector list in the fusion. Queries that
// name code identifiers (dirs_exist_ok, json.dumps, lruCache) are about exact
// strings that a sentence encoder does not know, so there the keyword list
// counts double.
func vectorWeight(query string) float64 {
	for _, f := range strings.Fields(query) {
		if looksLikeIdentifier(f) {
			return 0.5
		}
	}
	return 1
}

// looksLikeIdentifier reports whether a word is written like code: letters
// joined by '_' or '.', or lower-case followed by upper-case.
func looksLikeIdentifier(w string) bool {
	rs := []rune(strings.Trim(w, ".,;:!?()[]\"'`"))
	for i := 1; i+1 < len(rs); i++ {
		if (rs[i] == '_' || rs[i] == '.') && unicode.IsLetter(rs[i-1]) && unicode.IsLetter(rs[i+1]) {
			return true
		}
		if unicode.IsLower(rs[i-1]) && unicode.IsUpper(rs[i]) {
			return true
		}
	}
	return false
}

// fuse merges the two ranked lists with weighted reciprocal rank fusion:
// score = sum over lists of weight / (k + rank); the keyword list's weight is 1.
func fuse(kw, vec []store.Hit, k int, vecWeight float64) []candidate {
	byID := map[int64]*candidate{}
	get := func(id int64) *candidate {
		c := byID[id]
		if c == nil {
			c = &candidate{id: id}
			byID[id] = c
		}
		return c
	}
	for i, h := range kw {
		c := get(h.ChunkID)
		c.keywordRank, c.bm25 = i+1, h.Score
		c.fused += 1 / float64(k+i+1)
	}
	for i, h := range vec {
		c := get(h.ChunkID)
		c.vecRank, c.distance = i+1, h.Score
		c.fused += vecWeight / float64(k+i+1)
	}
	out := make([]candidate, 0, len(byID))
	for _, c := range byID {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].fused != out[j].fused {
			return out[i].fused > out[j].fused
		}
		return out[i].id < out[j].id
	})
	return out
}

// normalise maps a candidate's score to 0..1 for display and min_score:
// hybrid divides the fused score by the best possible (rank 1 in both lists),
// keyword divides bm25 by the best bm25, vector is cosine similarity.
func (s *Searcher) normalise(mode string, c candidate, bestBM25 float64, k int) float64 {
	switch mode {
	case ModeKeyword:
		if bestBM25 == 0 {
			return 0
		}
		return c.bm25 / bestBM25
	case ModeVector:
		return 1 - c.distance
	default:
		return c.fused / (2 / float64(k+1))
	}
}
