package store

import (
	"context"
	"fmt"
	"time"
)

// WatchedFolder is a folder kept in step with a collection.
type WatchedFolder struct {
	Collection string    `json:"collection"`
	Path       string    `json:"path"`
	AddedAt    time.Time `json:"added_at"`
}

// AddWatchedFolder records that path (an absolute folder path) is watched
// for collection, creating the collection if needed. Adding a folder twice
// keeps the first record.
func (s *Store) AddWatchedFolder(ctx context.Context, collection, path string) error {
	coll, err := s.EnsureCollection(ctx, collection)
	if err != nil {
		return err
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO watched_folders (collection_id, path, added_ns) VALUES (?, ?, ?)
		ON CONFLICT (collection_id, path) DO NOTHING`, coll.ID, path, time.Now().UnixNano())
	if err != nil {
		return fmt.Errorf("watch folder %s for collection %q: %w", path, collection, err)
	}
	return nil
}

// RemoveWatchedFolder forgets a watched folder; ErrNotFound if it was not
// watched for that collection. The folder's documents stay indexed.
func (s *Store) RemoveWatchedFolder(ctx context.Context, collection, path string) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM watched_folders WHERE path = ?
		AND collection_id = (SELECT id FROM collections WHERE name = ?)`, path, collection)
	if err != nil {
		return fmt.Errorf("stop watching %s for collection %q: %w", path, collection, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("folder %s is not watched for collection %q: %w", path, collection, ErrNotFound)
	}
	return nil
}

// WatchedFolders lists the folders watched for collection ("" for every
// collection), ordered by collection name and path.
func (s *Store) WatchedFolders(ctx context.Context, collection string) ([]WatchedFolder, error) {
	q := `SELECT c.name, w.path, w.added_ns FROM watched_folders w JOIN collections c ON c.id = w.collection_id`
	var args []any
	if collection != "" {
		q += ` WHERE c.name = ?`
		args = append(args, collection)
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY c.name, w.path`, args...)
	if err != nil {
		return nil, fmt.Errorf("list watched folders: %w", err)
	}
	defer rows.Close()
	out := []WatchedFolder{}
	for rows.Next() {
		var w WatchedFolder
		var added int64
		if err := rows.Scan(&w.Collection, &w.Path, &added); err != nil {
			return nil, fmt.Errorf("list watched folders: %w", err)
		}
		w.AddedAt = time.Unix(0, added)
		out = append(out, w)
	}
	return out, rows.Err()
}
