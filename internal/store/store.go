// Package store owns the SQLite file: opening it with the right pragmas,
// the embedded migrations, and every SQL statement the app runs.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	sqlite_vec "github.com/asg017/sqlite-vec-go-bindings/cgo"
	_ "github.com/mattn/go-sqlite3" // registers the "sqlite3" driver
)

//go:embed migrations/*.sql
var migrationFS embed.FS

var registerVec sync.Once

// Store is an open reasonkit.db.
type Store struct {
	db   *sql.DB
	path string
}

// Open opens (creating if needed) the database at path, with WAL, foreign
// keys and a busy timeout, applies pending migrations and restricts the file
// to its owner (0600).
func Open(path string) (*Store, error) {
	registerVec.Do(sqlite_vec.Auto)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("open store: create %s: %w", filepath.Dir(path), err)
	}
	// Create the file with 0600 before SQLite does, so it is never world-readable.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	f.Close()
	dsn := "file:" + path + "?_journal_mode=WAL&_foreign_keys=on&_busy_timeout=10000&_synchronous=NORMAL&_txlock=immediate"
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	db.SetMaxOpenConns(8)
	db.SetConnMaxIdleTime(time.Minute)
	s := &Store{db: db, path: path}
	if err := s.migrate(context.Background()); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	s.restrictFiles()
	return s, nil
}

// restrictFiles makes the database and its WAL files readable by the owner only.
func (s *Store) restrictFiles() {
	for _, suffix := range []string{"", "-wal", "-shm"} {
		_ = os.Chmod(s.path+suffix, 0o600) // the -wal/-shm files may not exist yet
	}
}

// Close closes the database.
func (s *Store) Close() error {
	s.restrictFiles()
	return s.db.Close()
}

// DB exposes the handle for tests and maintenance commands.
func (s *Store) DB() *sql.DB { return s.db }

// Path is the database file.
func (s *Store) Path() string { return s.path }

// migrate applies every embedded migration not yet recorded, each in its own
// transaction, in file-name order.
func (s *Store) migrate(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		base := filepath.Base(name)
		version, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return fmt.Errorf("migration %s: name must start with a number", base)
		}
		var done int
		if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, version).Scan(&done); err != nil {
			return err
		}
		if done > 0 {
			continue
		}
		body, err := migrationFS.ReadFile(name)
		if err != nil {
			return err
		}
		err = s.inTx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				version, base, time.Now().Unix())
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %s: %w", base, err)
		}
	}
	return nil
}

// inTx runs fn in a transaction, committing on success.
func (s *Store) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// ErrNotFound is returned when a looked-up row does not exist.
var ErrNotFound = errors.New("not found")

// IntegrityCheck runs PRAGMA integrity_check and a check for rows left without
// their parent; it returns nil when everything is consistent.
func (s *Store) IntegrityCheck(ctx context.Context) error {
	var res string
	if err := s.db.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&res); err != nil {
		return fmt.Errorf("integrity_check: %w", err)
	}
	if res != "ok" {
		return fmt.Errorf("integrity_check: %s", res)
	}
	checks := map[string]string{
		"chunks without a document": `SELECT count(*) FROM chunks WHERE document_id NOT IN (SELECT id FROM documents)`,
		"keyword rows out of sync":  `SELECT (SELECT count(*) FROM chunks) - (SELECT count(*) FROM chunks_fts_docsize)`,
	}
	for what, q := range checks {
		var n int
		if err := s.db.QueryRowContext(ctx, q).Scan(&n); err != nil {
			return fmt.Errorf("check %s: %w", what, err)
		}
		if n != 0 {
			return fmt.Errorf("%d %s", n, what)
		}
	}
	tables, err := s.vectorTables(ctx)
	if err != nil {
		return err
	}
	for _, t := range tables {
		var n int
		q := `SELECT count(*) FROM ` + t + ` WHERE chunk_id NOT IN (SELECT id FROM chunks)`
		if err := s.db.QueryRowContext(ctx, q).Scan(&n); err != nil {
			return fmt.Errorf("check %s: %w", t, err)
		}
		if n != 0 {
			return fmt.Errorf("%d vectors in %s without a chunk", n, t)
		}
	}
	return nil
}
