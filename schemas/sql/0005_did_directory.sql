-- Migration 0005: the DID directory. SQLite is the source of truth for which
-- campaign and source each tracked number (DID) belongs to. Conventions as in 0001.

-- One row per number. A number with no row, or with an empty campaign_id (a
-- number the operator unassigned: the row stays so that the config's seed does
-- not bring the old assignment back), takes no traffic.
-- At node start the config's dids[] are inserted when their number has no row
-- yet; a stored row (an assignment made with `ringbid dids`) is kept.
CREATE TABLE dids (
  number      TEXT PRIMARY KEY NOT NULL, -- E.164, e.g. +18005550100
  campaign_id TEXT NOT NULL,             -- '' = unassigned
  source_id   TEXT NOT NULL,             -- '' = unassigned
  tags        TEXT NOT NULL DEFAULT '',  -- comma-separated, in order
  updated_at  INTEGER NOT NULL           -- unix microseconds of the last change
) WITHOUT ROWID;

CREATE INDEX dids_campaign ON dids (campaign_id, source_id);

-- The config's campaigns, sources and buyers, upserted at every node start, so
-- the database explains its own ids for reporting.
CREATE TABLE campaigns (
  id   TEXT PRIMARY KEY NOT NULL,
  name TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;

CREATE TABLE sources (
  id   TEXT PRIMARY KEY NOT NULL,
  name TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;

CREATE TABLE buyers (
  id   TEXT PRIMARY KEY NOT NULL,
  name TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
