package store

import (
	"context"
	"database/sql"
	"fmt"

	sqlite_vec "github.com/asg017/sqlite-vec-go-bindings/cgo"
)

// Hit is one chunk found by a keyword or vector query, best first.
type Hit struct {
	ChunkID int64
	// Score: for keyword hits the bm25 rank (lower is better, negative);
	// for vector hits the cosine distance (0 is identical).
	Score float64
}

// KeywordSearch runs an FTS5 MATCH expression over a collection's chunks and
// returns the best k by bm25 (text weighted above headings).
//
// It ranks the whole keyword index first and keeps the collection's rows,
// which lets FTS5 stop early; only when other collections crowd the top
// ranks does it fall back to ranking the collection's rows alone.
func (s *Store) KeywordSearch(ctx context.Context, collectionID int64, match string, k int) ([]Hit, error) {
	over := k * 4
	rows, err := s.db.QueryContext(ctx, `
		SELECT f.rowid, f.rank FROM (
			SELECT rowid, bm25(chunks_fts, 1.0, 0.5) AS rank FROM chunks_fts
			WHERE chunks_fts MATCH ? ORDER BY rank LIMIT ?) f
		JOIN chunks k ON k.id = f.rowid
		JOIN documents d ON d.id = k.document_id
		WHERE d.collection_id = ?
		ORDER BY f.rank`, match, over, collectionID)
	if err != nil {
		return nil, fmt.Errorf("keyword search %q: %w", match, err)
	}
	hits, err := scanHits(rows)
	if err != nil || len(hits) >= k {
		if len(hits) > k {
			hits = hits[:k]
		}
		return hits, err
	}
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM chunks_fts WHERE chunks_fts MATCH ? LIMIT ?)`,
		match, over).Scan(&total); err != nil {
		return nil, fmt.Errorf("keyword search %q: %w", match, err)
	}
	if total < over {
		return hits, nil // every match was seen: there is no more to find
	}
	rows, err = s.db.QueryContext(ctx, `
		SELECT f.rowid, bm25(chunks_fts, 1.0, 0.5) AS rank
		FROM chunks_fts f
		JOIN chunks k ON k.id = f.rowid
		JOIN documents d ON d.id = k.document_id
		WHERE chunks_fts MATCH ? AND d.collection_id = ?
		ORDER BY rank LIMIT ?`, match, collectionID, k)
	if err != nil {
		return nil, fmt.Errorf("keyword search %q: %w", match, err)
	}
	return scanHits(rows)
}

// scanHits reads (chunk id, score) rows.
func scanHits(rows *sql.Rows) ([]Hit, error) {
	defer rows.Close()
	var hits []Hit
	for rows.Next() {
		var h Hit
		if err := rows.Scan(&h.ChunkID, &h.Score); err != nil {
			return nil, err
		}
		hits = append(hits, h)
	}
	return hits, rows.Err()
}

// VectorSearch returns a collection's k nearest chunks to vec by cosine
// distance. The collection must be bound to an embedder of len(vec) dims.
func (s *Store) VectorSearch(ctx context.Context, collectionID int64, vec []float32, k int) ([]Hit, error) {
	blob, err := sqlite_vec.SerializeFloat32(vec)
	if err != nil {
		return nil, err
	}
	q := fmt.Sprintf(`SELECT chunk_id, distance FROM %s
		WHERE embedding MATCH ? AND k = ? AND collection_id = ? ORDER BY distance`, vecTable(len(vec)))
	rows, err := s.db.QueryContext(ctx, q, blob, k, collectionID)
	if err != nil {
		return nil, fmt.Errorf("vector search: %w", err)
	}
	return scanHits(rows)
}
