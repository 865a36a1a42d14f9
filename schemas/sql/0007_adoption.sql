-- Migration 0007: what a process needs to adopt the live calls of the one
-- before it (a restart, a deploy, a crash), instead of hanging them up.
--
-- live_calls gains the call actor's whole state (snapshot: the call machine's
-- call_snapshot, CAF binary) and who runs the call: `owner` (the node's name)
-- and `incarnation` (which start of that node). A process writes a call's row
-- only while the row's incarnation is not newer than its own: the fence that
-- keeps a process that lost a call from overwriting its new owner.
ALTER TABLE live_calls ADD COLUMN snapshot BLOB;
ALTER TABLE live_calls ADD COLUMN owner TEXT NOT NULL DEFAULT '';
ALTER TABLE live_calls ADD COLUMN incarnation INTEGER NOT NULL DEFAULT 0;

-- Every carrier event of a live call, kept before the carrier is told it was
-- received (webhook 2xx). A call's snapshot lists the entries it has handled
-- (applied_events); an adopting process replays the rest, in this order.
-- `event_id` is the carrier's own id (Telnyx data.id): a re-delivery after a
-- restart is recognised and not handled twice. Deleted with the live row when
-- the call's lead is stored.
CREATE TABLE call_inbox (
  seq             INTEGER PRIMARY KEY,  -- the order received
  carrier_call_id TEXT NOT NULL,
  event_id        TEXT NOT NULL UNIQUE,
  event           BLOB NOT NULL         -- the normalized carrier_event (CAF binary)
);
CREATE INDEX call_inbox_by_call ON call_inbox (carrier_call_id, seq);

-- One row per node: how many times it has started. Each start takes the next
-- number as its incarnation.
CREATE TABLE node_incarnations (
  node        TEXT PRIMARY KEY NOT NULL,
  incarnation INTEGER NOT NULL
) WITHOUT ROWID;
