-- The same schema for SQLite and PostgreSQL: times are Unix nanoseconds,
-- keys and JSON are text.
CREATE TABLE instances (
    id          TEXT PRIMARY KEY,
    alg         TEXT NOT NULL,
    public_key  TEXT NOT NULL,
    key_id      TEXT NOT NULL,
    enrolled_at BIGINT NOT NULL,
    last_seq    BIGINT NOT NULL DEFAULT 0,
    last_seen   BIGINT NOT NULL DEFAULT 0,
    latest      TEXT
);

CREATE TABLE tokens (
    hash        TEXT PRIMARY KEY,
    instance_id TEXT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT
);

CREATE TABLE nonces (
    nonce       TEXT PRIMARY KEY,
    instance_id TEXT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT
);
CREATE INDEX nonces_expires ON nonces (expires_at);

CREATE TABLE reports (
    instance_id TEXT NOT NULL,
    seq         BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    observed_at BIGINT NOT NULL,
    digest      TEXT NOT NULL,
    report      TEXT NOT NULL,
    envelope    TEXT NOT NULL,
    PRIMARY KEY (instance_id, seq)
);
