package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Collection is a named set of documents searched together. It records the
// embedder its vectors were made with so models are never silently mixed.
type Collection struct {
	ID         int64     `json:"id"`
	Name       string    `json:"name"`
	EmbedderID string    `json:"embedder_id"`
	Dim        int       `json:"dim"`
	CreatedAt  time.Time `json:"created_at"`
	Documents  int       `json:"documents"`
	Failed     int       `json:"failed"`
	Chunks     int       `json:"chunks"`
	Embedded   int       `json:"embedded"`
}

// Document statuses.
const (
	StatusIndexed = "indexed"
	StatusFailed  = "failed"
)

// Document is one indexed (or failed) file.
type Document struct {
	ID           int64     `json:"id"`
	CollectionID int64     `json:"collection_id"`
	Collection   string    `json:"collection"`
	Path         string    `json:"path"`
	Title        string    `json:"title"`
	Format       string    `json:"format"`
	Size         int64     `json:"size"`
	MtimeNS      int64     `json:"mtime_ns"`
	Hash         string    `json:"hash"`
	Status       string    `json:"status"`
	Error        string    `json:"error,omitempty"`
	Chunks       int       `json:"chunks"`
	Embedded     int       `json:"embedded"`
	IndexedAt    time.Time `json:"indexed_at"`
}

// ChunkInput is one chunk to store for a document.
type ChunkInput struct {
	Ordinal    int
	Text       string
	Page       int
	Heading    string
	Start, End int
}

// Chunk is a stored chunk with the file it came from.
type Chunk struct {
	ID         int64  `json:"id"`
	DocumentID int64  `json:"document_id"`
	Ordinal    int    `json:"ordinal"`
	Text       string `json:"text"`
	Page       int    `json:"page"`
	Heading    string `json:"heading"`
	Start      int    `json:"start"`
	End        int    `json:"end"`
	Path       string `json:"path"`
	Title      string `json:"title"`
	Collection string `json:"collection"`
}

// EnsureCollection returns the collection called name, creating it if needed.
func (s *Store) EnsureCollection(ctx context.Context, name string) (*Collection, error) {
	_, err := s.db.ExecContext(ctx, `INSERT INTO collections (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`,
		name, time.Now().Unix())
	if err != nil {
		return nil, fmt.Errorf("create collection %q: %w", name, err)
	}
	return s.Collection(ctx, name)
}

// Collection looks a collection up by name, with its counts.
func (s *Store) Collection(ctx context.Context, name string) (*Collection, error) {
	cols, err := s.collections(ctx, `WHERE c.name = ?`, name)
	if err != nil {
		return nil, err
	}
	if len(cols) == 0 {
		return nil, fmt.Errorf("collection %q: %w", name, ErrNotFound)
	}
	return &cols[0], nil
}

// Collections lists every collection with document, chunk and vector counts.
func (s *Store) Collections(ctx context.Context) ([]Collection, error) {
	return s.collections(ctx, ``)
}

func (s *Store) collections(ctx context.Context, where string, args ...any) ([]Collection, error) {
	rows, err := s.db.QueryContext(ctx, `
		SELECT c.id, c.name, c.embedder_id, c.dim, c.created_at,
		       (SELECT count(*) FROM documents d WHERE d.collection_id = c.id AND d.status = 'indexed'),
		       (SELECT count(*) FROM documents d WHERE d.collection_id = c.id AND d.status = 'failed'),
		       (SELECT coalesce(sum(d.chunk_count), 0) FROM documents d WHERE d.collection_id = c.id),
		       (SELECT count(*) FROM chunks k JOIN documents d ON d.id = k.document_id
		         WHERE d.collection_id = c.id AND k.embedded = 1)
		FROM collections c `+where+` ORDER BY c.name`, args...)
	if err != nil {
		return nil, fmt.Errorf("list collections: %w", err)
	}
	defer rows.Close()
	var out []Collection
	for rows.Next() {
		var c Collection
		var created int64
		if err := rows.Scan(&c.ID, &c.Name, &c.EmbedderID, &c.Dim, &created, &c.Documents, &c.Failed, &c.Chunks, &c.Embedded); err != nil {
			return nil, err
		}
		c.CreatedAt = time.Unix(created, 0)
		out = append(out, c)
	}
	return out, rows.Err()
}

// DeleteCollection removes a collection with all its documents, chunks and vectors.
func (s *Store) DeleteCollection(ctx context.Context, name string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM collections WHERE name = ?`, name)
		if err != nil {
			return fmt.Errorf("delete collection %q: %w", name, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("collection %q: %w", name, ErrNotFound)
		}
		return nil
	})
}

const documentColumns = `d.id, d.collection_id, c.name, d.path, d.title, d.format, d.size, d.mtime_ns, d.hash,
	d.status, d.error, d.chunk_count, d.indexed_at,
	(SELECT count(*) FROM chunks k WHERE k.document_id = d.id AND k.embedded = 1)`

func scanDocument(sc interface{ Scan(...any) error }) (Document, error) {
	var d Document
	var indexed int64
	err := sc.Scan(&d.ID, &d.CollectionID, &d.Collection, &d.Path, &d.Title, &d.Format, &d.Size, &d.MtimeNS, &d.Hash,
		&d.Status, &d.Error, &d.Chunks, &indexed, &d.Embedded)
	d.IndexedAt = time.Unix(indexed, 0)
	return d, err
}

// Documents lists the documents of a collection ("" for all), by path.
func (s *Store) Documents(ctx context.Context, collection string) ([]Document, error) {
	q := `SELECT ` + documentColumns + ` FROM documents d JOIN collections c ON c.id = d.collection_id`
	var args []any
	if collection != "" {
		q += ` WHERE c.name = ?`
		args = append(args, collection)
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY c.name, d.path`, args...)
	if err != nil {
		return nil, fmt.Errorf("list documents: %w", err)
	}
	defer rows.Close()
	var out []Document
	for rows.Next() {
		d, err := scanDocument(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// Document returns one document by id.
func (s *Store) Document(ctx context.Context, id int64) (*Document, error) {
	row := s.db.QueryRowContext(ctx, `SELECT `+documentColumns+` FROM documents d JOIN collections c ON c.id = d.collection_id WHERE d.id = ?`, id)
	d, err := scanDocument(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("document %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("document %d: %w", id, err)
	}
	return &d, nil
}

// DocumentByPath returns the document stored for path in a collection.
func (s *Store) DocumentByPath(ctx context.Context, collectionID int64, path string) (*Document, error) {
	row := s.db.QueryRowContext(ctx, `SELECT `+documentColumns+` FROM documents d JOIN collections c ON c.id = d.collection_id
		WHERE d.collection_id = ? AND d.path = ?`, collectionID, path)
	d, err := scanDocument(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("document %s: %w", path, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("document %s: %w", path, err)
	}
	return &d, nil
}

// DocumentInput describes a file whose text was extracted successfully.
type DocumentInput struct {
	Path, Title, Format, Hash string
	Size, MtimeNS             int64
}

// ReplaceDocument stores a document's new chunks in one transaction: the old
// chunks (with their keyword rows and vectors) go, the new ones arrive, and
// the document is marked indexed. A crash at any point leaves either the old
// or the new version, never a mix.
func (s *Store) ReplaceDocument(ctx context.Context, collectionID int64, in DocumentInput, chunks []ChunkInput) (int64, error) {
	var docID int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `
			INSERT INTO documents (collection_id, path, title, format, size, mtime_ns, hash, status, error, chunk_count, indexed_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, 'indexed', '', ?, ?)
			ON CONFLICT (collection_id, path) DO UPDATE SET
				title = excluded.title, format = excluded.format, size = excluded.size, mtime_ns = excluded.mtime_ns,
				hash = excluded.hash, status = 'indexed', error = '', chunk_count = excluded.chunk_count,
				indexed_at = excluded.indexed_at
			RETURNING id`,
			collectionID, in.Path, in.Title, in.Format, in.Size, in.MtimeNS, in.Hash, len(chunks), time.Now().Unix()).Scan(&docID)
		if err != nil {
			return fmt.Errorf("upsert document: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM chunks WHERE document_id = ?`, docID); err != nil {
			return fmt.Errorf("drop old chunks: %w", err)
		}
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO chunks (document_id, ordinal, text, page, heading, start_char, end_char)
			VALUES (?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, c := range chunks {
			if _, err := stmt.ExecContext(ctx, docID, c.Ordinal, c.Text, c.Page, c.Heading, c.Start, c.End); err != nil {
				return fmt.Errorf("insert chunk %d: %w", c.Ordinal, err)
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store %s: %w", in.Path, err)
	}
	return docID, nil
}

// TouchDocument records a new mtime for a document whose content is unchanged.
func (s *Store) TouchDocument(ctx context.Context, id int64, mtimeNS int64) error {
	_, err := s.db.ExecContext(ctx, `UPDATE documents SET mtime_ns = ? WHERE id = ?`, mtimeNS, id)
	if err != nil {
		return fmt.Errorf("update document %d: %w", id, err)
	}
	return nil
}

// RecordFailure notes that a file could not be indexed. A file that was
// indexed before keeps its chunks (nothing stored is lost) and carries the
// error; a new file is stored as failed, with no chunks.
func (s *Store) RecordFailure(ctx context.Context, collectionID int64, path string, size, mtimeNS int64, reason string) error {
	_, err := s.db.ExecContext(ctx, `
		INSERT INTO documents (collection_id, path, size, mtime_ns, status, error, indexed_at)
		VALUES (?, ?, ?, ?, 'failed', ?, ?)
		ON CONFLICT (collection_id, path) DO UPDATE SET error = excluded.error`,
		collectionID, path, size, mtimeNS, reason, time.Now().Unix())
	if err != nil {
		return fmt.Errorf("record failure for %s: %w", path, err)
	}
	return nil
}

// DeleteDocument removes a document with its chunks, keyword rows and vectors
// in one transaction.
func (s *Store) DeleteDocument(ctx context.Context, id int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM documents WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("delete document %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("document %d: %w", id, ErrNotFound)
		}
		return nil
	})
}

// Chunks returns the chunks with the given ids, keyed by id.
func (s *Store) Chunks(ctx context.Context, ids []int64) (map[int64]Chunk, error) {
	out := make(map[int64]Chunk, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	q := `SELECT k.id, k.document_id, k.ordinal, k.text, k.page, k.heading, k.start_char, k.end_char, d.path, d.title, c.name
		FROM chunks k JOIN documents d ON d.id = k.document_id JOIN collections c ON c.id = d.collection_id
		WHERE k.id IN (` + placeholders(len(ids)) + `)`
	rows, err := s.db.QueryContext(ctx, q, int64Args(ids)...)
	if err != nil {
		return nil, fmt.Errorf("load chunks: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c Chunk
		if err := rows.Scan(&c.ID, &c.DocumentID, &c.Ordinal, &c.Text, &c.Page, &c.Heading, &c.Start, &c.End, &c.Path, &c.Title, &c.Collection); err != nil {
			return nil, err
		}
		out[c.ID] = c
	}
	return out, rows.Err()
}

// Neighbours returns the chunks of a document with ordinals in [from, to],
// for showing a chunk in context.
func (s *Store) Neighbours(ctx context.Context, documentID int64, from, to int) ([]Chunk, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT k.id FROM chunks k WHERE k.document_id = ? AND k.ordinal BETWEEN ? AND ? ORDER BY k.ordinal`,
		documentID, from, to)
	if err != nil {
		return nil, fmt.Errorf("load neighbours: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	byID, err := s.Chunks(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]Chunk, 0, len(ids))
	for _, id := range ids {
		out = append(out, byID[id])
	}
	return out, nil
}

func placeholders(n int) string {
	b := make([]byte, 0, 2*n)
	for i := 0; i < n; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '?')
	}
	return string(b)
}

func int64Args(ids []int64) []any {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return args
}
