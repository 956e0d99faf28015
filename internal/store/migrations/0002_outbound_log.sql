-- Every request body that left the machine for a model endpoint (never headers, so never keys).
CREATE TABLE outbound_log (
    id       INTEGER PRIMARY KEY,
    time_ns  INTEGER NOT NULL,
    provider TEXT NOT NULL,
    host     TEXT NOT NULL,
    purpose  TEXT NOT NULL,
    bytes    INTEGER NOT NULL,
    body     TEXT NOT NULL,
    status   INTEGER NOT NULL DEFAULT 0,
    error    TEXT NOT NULL DEFAULT '',
    run_id   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbound_log_time ON outbound_log (time_ns);
CREATE INDEX outbound_log_run ON outbound_log (run_id) WHERE run_id <> '';
