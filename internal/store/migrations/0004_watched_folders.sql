-- Folders the desktop app keeps in step with a collection; it resumes watching them on start.
CREATE TABLE watched_folders (
    collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
    path          TEXT NOT NULL,              -- absolute folder path
    added_ns      INTEGER NOT NULL,
    PRIMARY KEY (collection_id, path)
);
