package store

import (
	"context"
	"database/sql"
	"fmt"

	sqlite_vec "github.com/asg017/sqlite-vec-go-bindings/cgo"
)

// vecTable is the name of the vec0 table holding vectors of size dim.
func vecTable(dim int) string { return fmt.Sprintf("chunk_vectors_%d", dim) }

// ensureVectorTable creates the vec0 table for dim (cosine distance,
// partitioned by collection) and the trigger that drops a chunk's vector
// whenever the chunk is deleted, however it is deleted.
func ensureVectorTable(ctx context.Context, tx *sql.Tx, dim int) error {
	if dim < 1 || dim > 8192 {
		return fmt.Errorf("vector size %d is out of range 1..8192", dim)
	}
	name := vecTable(dim)
	stmts := []string{
		fmt.Sprintf(`CREATE VIRTUAL TABLE IF NOT EXISTS %s USING vec0(
			chunk_id INTEGER PRIMARY KEY,
			collection_id INTEGER PARTITION KEY,
			embedding float[%d] distance_metric=cosine)`, name, dim),
		fmt.Sprintf(`CREATE TRIGGER IF NOT EXISTS %s_delete AFTER DELETE ON chunks BEGIN
			DELETE FROM %s WHERE chunk_id = old.id;
		END`, name, name),
		`INSERT INTO vector_tables (dim, name) VALUES (?, ?) ON CONFLICT (dim) DO NOTHING`,
	}
	for i, q := range stmts {
		var err error
		if i == 2 {
			_, err = tx.ExecContext(ctx, q, dim, name)
		} else {
			_, err = tx.ExecContext(ctx, q)
		}
		if err != nil {
			return fmt.Errorf("create vector table %s: %w", name, err)
		}
	}
	return nil
}

func (s *Store) vectorTables(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT name FROM vector_tables ORDER BY dim`)
	if err != nil {
		return nil, fmt.Errorf("list vector tables: %w", err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		names = append(names, n)
	}
	return names, rows.Err()
}

// EmbedderMismatchError says a collection's vectors came from another model.
type EmbedderMismatchError struct {
	Collection string
	Have, Want string
	HaveDim    int
}

func (e *EmbedderMismatchError) Error() string {
	return fmt.Sprintf("collection %q was embedded with %s (%d dims) but the configured embedder is %s; "+
		"run `reasonkit index --collection %s --reembed` to re-embed it with the new model, or switch [embedding] back",
		e.Collection, e.Have, e.HaveDim, e.Want, e.Collection)
}

// BindEmbedder records that collection's vectors come from embedder id with
// size dim. It fails with *EmbedderMismatchError if the collection already
// has vectors from another embedder.
func (s *Store) BindEmbedder(ctx context.Context, collectionID int64, name, id string, dim int) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var have string
		var haveDim int
		if err := tx.QueryRowContext(ctx, `SELECT embedder_id, dim FROM collections WHERE id = ?`, collectionID).Scan(&have, &haveDim); err != nil {
			return fmt.Errorf("collection %d: %w", collectionID, err)
		}
		if have == id && haveDim == dim {
			return ensureVectorTable(ctx, tx, dim)
		}
		if have != "" {
			return &EmbedderMismatchError{Collection: name, Have: have, Want: id, HaveDim: haveDim}
		}
		if err := ensureVectorTable(ctx, tx, dim); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE collections SET embedder_id = ?, dim = ? WHERE id = ?`, id, dim, collectionID)
		return err
	})
}

// ResetEmbeddings drops every vector of a collection and forgets its
// embedder, so the next indexing run re-embeds all chunks visibly.
func (s *Store) ResetEmbeddings(ctx context.Context, collectionID int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var dim int
		if err := tx.QueryRowContext(ctx, `SELECT dim FROM collections WHERE id = ?`, collectionID).Scan(&dim); err != nil {
			return fmt.Errorf("collection %d: %w", collectionID, err)
		}
		if dim > 0 {
			q := fmt.Sprintf(`DELETE FROM %s WHERE collection_id = ?`, vecTable(dim))
			if _, err := tx.ExecContext(ctx, q, collectionID); err != nil {
				return fmt.Errorf("drop vectors: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE chunks SET embedded = 0
			WHERE document_id IN (SELECT id FROM documents WHERE collection_id = ?)`, collectionID); err != nil {
			return fmt.Errorf("reset chunks: %w", err)
		}
		_, err := tx.ExecContext(ctx, `UPDATE collections SET embedder_id = '', dim = 0 WHERE id = ?`, collectionID)
		return err
	})
}

// PendingChunk is a chunk still waiting for its vector.
type PendingChunk struct {
	ID   int64
	Text string
}

// PendingChunks returns up to limit chunks of a collection without a vector,
// oldest document first.
func (s *Store) PendingChunks(ctx context.Context, collectionID int64, limit int) ([]PendingChunk, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT k.id, k.text FROM chunks k JOIN documents d ON d.id = k.document_id
		WHERE d.collection_id = ? AND k.embedded = 0 ORDER BY k.document_id, k.ordinal LIMIT ?`, collectionID, limit)
	if err != nil {
		return nil, fmt.Errorf("list chunks to embed: %w", err)
	}
	defer rows.Close()
	var out []PendingChunk
	for rows.Next() {
		var p PendingChunk
		if err := rows.Scan(&p.ID, &p.Text); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// CountPending counts a collection's chunks without a vector.
func (s *Store) CountPending(ctx context.Context, collectionID int64) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM chunks k JOIN documents d ON d.id = k.document_id
		WHERE d.collection_id = ? AND k.embedded = 0`, collectionID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count chunks to embed: %w", err)
	}
	return n, nil
}

// StoreVectors saves vectors for chunks of a collection bound to an embedder
// of size dim (see BindEmbedder) and marks those chunks embedded. Chunks that
// were deleted or replaced meanwhile are skipped.
func (s *Store) StoreVectors(ctx context.Context, collectionID int64, dim int, ids []int64, vecs [][]float32) error {
	if len(ids) != len(vecs) {
		return fmt.Errorf("store vectors: %d ids but %d vectors", len(ids), len(vecs))
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		ins, err := tx.PrepareContext(ctx, fmt.Sprintf(`INSERT OR REPLACE INTO %s (chunk_id, collection_id, embedding) VALUES (?, ?, ?)`, vecTable(dim)))
		if err != nil {
			return fmt.Errorf("store vectors: %w", err)
		}
		defer ins.Close()
		mark, err := tx.PrepareContext(ctx, `UPDATE chunks SET embedded = 1 WHERE id = ?`)
		if err != nil {
			return err
		}
		defer mark.Close()
		for i, id := range ids {
			if len(vecs[i]) != dim {
				return fmt.Errorf("store vectors: chunk %d has %d dims, want %d", id, len(vecs[i]), dim)
			}
			res, err := mark.ExecContext(ctx, id)
			if err != nil {
				return fmt.Errorf("mark chunk %d: %w", id, err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				continue // the chunk is gone; storing its vector would orphan it
			}
			blob, err := sqlite_vec.SerializeFloat32(vecs[i])
			if err != nil {
				return err
			}
			if _, err := ins.ExecContext(ctx, id, collectionID, blob); err != nil {
				return fmt.Errorf("store vector for chunk %d: %w", id, err)
			}
		}
		return nil
	})
}
