-- Migration 0008: the configuration as versioned data (the control plane).
--
-- Every change to campaigns, sources, buyers, caps, DIDs or node settings is a
-- new row: the whole document as it stands after the change, who made it,
-- when, why, and what changed from the row before. Rows are never updated or
-- deleted (a rollback is a new row equal to an old one); the newest is in
-- force. `number` is assigned by the writer as the head + 1 inside the
-- writing transaction, so concurrent writers cannot both commit over the same
-- head.
CREATE TABLE config_revisions (
  number    INTEGER PRIMARY KEY NOT NULL,
  at        INTEGER NOT NULL,            -- unix microseconds
  author    TEXT NOT NULL,
  role      TEXT NOT NULL,
  reason    TEXT NOT NULL DEFAULT '',
  digest    TEXT NOT NULL,               -- SHA-256 prefix of `document`
  document  TEXT NOT NULL,               -- canonical JSON
  changes   TEXT NOT NULL DEFAULT '[]',  -- JSON array of {op, pointer, entity, before, after}
  change_count INTEGER NOT NULL DEFAULT 0
);

CREATE TRIGGER config_revisions_no_update BEFORE UPDATE ON config_revisions
BEGIN SELECT RAISE(ABORT, 'config revisions are append-only'); END;
CREATE TRIGGER config_revisions_no_delete BEFORE DELETE ON config_revisions
BEGIN SELECT RAISE(ABORT, 'config revisions are append-only'); END;

-- Every lead names the revision that routed it (0: before revisions existed).
ALTER TABLE leads ADD COLUMN config_revision INTEGER NOT NULL DEFAULT 0;

-- POST requests with an Idempotency-Key: the first answer, given again to a
-- retry with the same key (and refused for a different body under that key).
CREATE TABLE api_idempotency (
  token_id     TEXT NOT NULL,
  key          TEXT NOT NULL,
  request_hash TEXT NOT NULL,   -- method, path and body
  status       INTEGER NOT NULL,
  headers      TEXT NOT NULL,   -- JSON object of the response's extra headers
  body         TEXT NOT NULL,
  at           INTEGER NOT NULL,
  PRIMARY KEY (token_id, key)
);
