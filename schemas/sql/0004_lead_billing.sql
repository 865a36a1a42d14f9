-- Migration 0004: what a lead is billed on, and where its caller is.
-- Conventions as in 0001.

-- Where the caller is (from the caller's number; never sent to buyers as the number).
ALTER TABLE leads ADD COLUMN caller_state TEXT NOT NULL DEFAULT '';
ALTER TABLE leads ADD COLUMN area_code TEXT NOT NULL DEFAULT '';
-- 1 when the call converted: talk time reached the buyer's buffer (or a postback said so).
ALTER TABLE leads ADD COLUMN converted INTEGER NOT NULL DEFAULT 0;
-- Why the buyer is charged what it is ("bid", "tier 60s", "duplicate caller", "not converted").
ALTER TABLE leads ADD COLUMN billing_note TEXT NOT NULL DEFAULT '';
-- The caller hash keyed for the winning buyer (duplicate-caller windows), '' when none.
ALTER TABLE leads ADD COLUMN caller_hash TEXT NOT NULL DEFAULT '';
-- Tags, comma-separated, and IVR answers as a JSON object.
ALTER TABLE leads ADD COLUMN tags TEXT NOT NULL DEFAULT '';
ALTER TABLE leads ADD COLUMN ivr TEXT NOT NULL DEFAULT '';

CREATE INDEX leads_duplicates ON leads (buyer_id, caller_hash, started_at);
