-- Migration 0001: leads, their call journals, and the migration log.
-- Forward-only: never edit this file once released; add 0002_*.sql instead.
-- The build compiles this file into the binary (adapters/CMakeLists.txt).
--
-- Conventions: ids are 16-byte BLOBs (UUIDv7, hi word then lo word, big-endian),
-- so they sort by creation time; enums are TEXT holding their to_string() names;
-- money is INTEGER micros; instants are INTEGER microseconds since the Unix epoch
-- (0 = never happened); durations are INTEGER milliseconds.

CREATE TABLE schema_migrations (
  version    INTEGER PRIMARY KEY,
  applied_at INTEGER NOT NULL
);

CREATE TABLE leads (
  id                 BLOB PRIMARY KEY NOT NULL,
  id_text            TEXT NOT NULL,
  carrier_call_id    TEXT NOT NULL,
  did                TEXT NOT NULL,
  caller             TEXT NOT NULL,
  campaign_id        TEXT NOT NULL,
  source_id          TEXT NOT NULL,
  buyer_id           TEXT NOT NULL,
  destination        TEXT NOT NULL,
  outcome            TEXT NOT NULL,
  ended_in           TEXT NOT NULL,
  started_at         INTEGER NOT NULL,
  answered_at        INTEGER NOT NULL,
  bridged_at         INTEGER NOT NULL,
  ended_at           INTEGER NOT NULL,
  hold_ms            INTEGER NOT NULL,
  talk_ms            INTEGER NOT NULL,
  bid_micros         INTEGER NOT NULL,
  revenue_micros     INTEGER NOT NULL,
  payout_micros      INTEGER NOT NULL,
  auction_rounds     INTEGER NOT NULL,
  transfer_attempts  INTEGER NOT NULL,
  auction_latency_us INTEGER NOT NULL,
  hangup_cause       TEXT NOT NULL,
  hangup_source      TEXT NOT NULL,
  recording_url      TEXT NOT NULL
);

-- Reporting: time ranges, optionally narrowed to a campaign, buyer or outcome.
CREATE INDEX leads_started_at ON leads (started_at);
CREATE INDEX leads_campaign ON leads (campaign_id, started_at);
CREATE INDEX leads_buyer ON leads (buyer_id, started_at);
CREATE INDEX leads_outcome ON leads (outcome, started_at);

-- A lead's journal: one row per state change, seq = position in the journal.
CREATE TABLE call_events (
  call_id BLOB NOT NULL,
  seq     INTEGER NOT NULL,
  at      INTEGER NOT NULL,
  state   TEXT NOT NULL,
  note    TEXT NOT NULL,
  PRIMARY KEY (call_id, seq)
) WITHOUT ROWID;
