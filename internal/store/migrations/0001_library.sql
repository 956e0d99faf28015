-- Library: collections, documents, chunks and the keyword index over chunks.
CREATE TABLE collections (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    embedder_id TEXT NOT NULL DEFAULT '',  -- '' until the first vector is stored
    dim         INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL           -- unix seconds
);

CREATE TABLE documents (
    id            INTEGER PRIMARY KEY,
    collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
    path          TEXT NOT NULL,              -- absolute path as indexed
    title         TEXT NOT NULL DEFAULT '',
    format        TEXT NOT NULL DEFAULT '',
    size          INTEGER NOT NULL DEFAULT 0,
    mtime_ns      INTEGER NOT NULL DEFAULT 0,
    hash          TEXT NOT NULL DEFAULT '',   -- sha256 of the file's bytes
    status        TEXT NOT NULL CHECK (status IN ('indexed', 'failed')),
    error         TEXT NOT NULL DEFAULT '',
    chunk_count   INTEGER NOT NULL DEFAULT 0,
    indexed_at    INTEGER NOT NULL,           -- unix seconds
    UNIQUE (collection_id, path)
);

CREATE TABLE chunks (
    id          INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    ordinal     INTEGER NOT NULL,
    text        TEXT NOT NULL,
    page        INTEGER NOT NULL DEFAULT 0,   -- 1-based for paged formats, 0 otherwise
    heading     TEXT NOT NULL DEFAULT '',
    start_char  INTEGER NOT NULL,
    end_char    INTEGER NOT NULL,
    embedded    INTEGER NOT NULL DEFAULT 0    -- 1 once its vector is stored
);
CREATE INDEX chunks_by_document ON chunks (document_id, ordinal);
CREATE INDEX chunks_to_embed ON chunks (document_id) WHERE embedded = 0;

-- Keyword index: external content over chunks, kept in sync by triggers.
CREATE VIRTUAL TABLE chunks_fts USING fts5(
    text, heading,
    content = 'chunks', content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER chunks_fts_insert AFTER INSERT ON chunks BEGIN
    INSERT INTO chunks_fts (rowid, text, heading) VALUES (new.id, new.text, new.heading);
END;
CREATE TRIGGER chunks_fts_delete AFTER DELETE ON chunks BEGIN
    INSERT INTO chunks_fts (chunks_fts, rowid, text, heading) VALUES ('delete', old.id, old.text, old.heading);
END;
CREATE TRIGGER chunks_fts_update AFTER UPDATE OF text, heading ON chunks BEGIN
    INSERT INTO chunks_fts (chunks_fts, rowid, text, heading) VALUES ('delete', old.id, old.text, old.heading);
    INSERT INTO chunks_fts (rowid, text, heading) VALUES (new.id, new.text, new.heading);
END;

-- One vec0 table per vector size is created on demand (see vectors.go).
CREATE TABLE vector_tables (
    dim  INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);
