-- Migration 0009: API tokens with roles, the browser sessions signed in with
-- them, and the audit log.
--
-- A token's secret is shown once when it is made; only its SHA-256 (lowercase
-- hex of the secret's text) is kept. Roles are stored by name (admin, manager,
-- reporting, publisher, buyer); a scope is a campaign, a source or a buyer.
CREATE TABLE api_tokens (
  id           TEXT PRIMARY KEY NOT NULL,
  secret_hash  TEXT NOT NULL UNIQUE,
  role         TEXT NOT NULL,
  scope_kind   TEXT NOT NULL DEFAULT '',
  scope_id     TEXT NOT NULL DEFAULT '',
  label        TEXT NOT NULL DEFAULT '',
  created_at   INTEGER NOT NULL,  -- unix µs
  created_by   TEXT NOT NULL DEFAULT '',
  revoked_at   INTEGER,           -- NULL while valid
  last_used_at INTEGER            -- NULL until first used
) WITHOUT ROWID;

-- A signed-in browser: the SHA-256 of the session id its cookie holds. Deleted
-- on sign-out and when its token is revoked; expired ones are swept.
CREATE TABLE api_sessions (
  session_hash TEXT PRIMARY KEY NOT NULL,
  token_id     TEXT NOT NULL,
  expires_at   INTEGER NOT NULL  -- unix µs
) WITHOUT ROWID;
CREATE INDEX api_sessions_by_token ON api_sessions (token_id);

-- Every change made through the API or the CLI. Append-only: the triggers
-- below refuse to change or remove an entry.
CREATE TABLE audit_log (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  at          INTEGER NOT NULL,  -- unix µs
  token_id    TEXT NOT NULL,
  role        TEXT NOT NULL,
  address     TEXT NOT NULL,
  action      TEXT NOT NULL,
  entity_kind TEXT NOT NULL DEFAULT '',
  entity_id   TEXT NOT NULL DEFAULT '',
  revision    INTEGER NOT NULL DEFAULT 0,
  detail      TEXT NOT NULL DEFAULT '{}'
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE INDEX audit_log_by_at ON audit_log (at);
CREATE INDEX audit_log_by_entity ON audit_log (entity_kind, entity_id);
