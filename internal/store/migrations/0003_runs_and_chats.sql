-- The audit trail of reasoning runs, and chat threads.
CREATE TABLE runs (
    id            TEXT PRIMARY KEY,
    kind          TEXT NOT NULL,              -- protocol | profile | ask
    name          TEXT NOT NULL,              -- protocol or profile id ('ask' for asks)
    query         TEXT NOT NULL DEFAULT '',
    collection    TEXT NOT NULL DEFAULT '',
    provider      TEXT NOT NULL DEFAULT '',
    model         TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL,
    error         TEXT NOT NULL DEFAULT '',
    confidence    REAL,
    band          TEXT NOT NULL DEFAULT '',
    input_tokens  INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    cost_usd      REAL,
    started_ns    INTEGER NOT NULL,
    finished_ns   INTEGER,
    trace_json    TEXT NOT NULL               -- the whole run as JSON, rewritten when it finishes
);
CREATE INDEX runs_by_start ON runs (started_ns DESC);

CREATE TABLE run_steps (
    run_id        TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    seq           INTEGER NOT NULL,
    link          INTEGER NOT NULL,
    protocol      TEXT NOT NULL,
    step          TEXT NOT NULL,
    attempt       INTEGER NOT NULL,
    status        TEXT NOT NULL,
    system_prompt TEXT NOT NULL DEFAULT '',
    prompt        TEXT NOT NULL DEFAULT '',   -- the user message exactly as sent
    reply         TEXT NOT NULL DEFAULT '',   -- the raw reply
    output_json   TEXT NOT NULL DEFAULT '',
    confidence    REAL,
    input_tokens  INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    duration_ns   INTEGER NOT NULL DEFAULT 0,
    started_ns    INTEGER NOT NULL,
    error         TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (run_id, seq)
);

CREATE TABLE chats (
    id         INTEGER PRIMARY KEY,
    title      TEXT NOT NULL,
    created_ns INTEGER NOT NULL,
    updated_ns INTEGER NOT NULL
);

CREATE TABLE messages (
    id         INTEGER PRIMARY KEY,
    chat_id    INTEGER NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
    role       TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
    content    TEXT NOT NULL,
    mode       TEXT NOT NULL DEFAULT '',      -- ask | protocol:<id> | profile:<id>
    collection TEXT NOT NULL DEFAULT '',
    run_id     TEXT REFERENCES runs(id) ON DELETE SET NULL,
    created_ns INTEGER NOT NULL
);
CREATE INDEX messages_by_chat ON messages (chat_id, id);
