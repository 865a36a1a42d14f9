-- Migration 0006: calls in progress, kept durably so that a node killed
-- mid-call still books every call it took. Conventions as in 0001.
--
-- A row appears when the carrier's call.initiated is accepted (before the
-- carrier is told so) and is replaced at every change of the call's state by
-- the lead the call would be if the node died then. The call's real lead
-- deletes it in the same transaction. On start, a node books every row left
-- over as an `interrupted` lead and deletes it.
CREATE TABLE live_calls (
  carrier_call_id TEXT PRIMARY KEY NOT NULL,
  call_id         BLOB,             -- NULL until the engine has named the call
  did             TEXT NOT NULL,
  caller          TEXT NOT NULL,
  campaign_id     TEXT NOT NULL,    -- '' until routed
  source_id       TEXT NOT NULL,
  state           TEXT NOT NULL,    -- the last state the node knew of
  started_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  version         INTEGER NOT NULL, -- journal length; an older update never replaces a newer one
  lead            BLOB              -- the provisional lead (CAF binary), NULL before the first update
) WITHOUT ROWID;

-- The clearing price of the offer the call was bridged on, before billing
-- (revenue_micros is what the buyer is charged after tiers and duplicates).
ALTER TABLE leads ADD COLUMN price_micros INTEGER NOT NULL DEFAULT 0;

-- A call's lead by the carrier's id (reports, the conversion postback).
CREATE INDEX leads_carrier_call ON leads (carrier_call_id);
