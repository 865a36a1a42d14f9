-- Migration 0002: the cap ledger's journal.
-- Forward-only: never edit this file once released; add 0003_*.sql instead.
--
-- Every change the ledger makes, in decision order (seq). Replaying the rows
-- through the ledger's pure core rebuilds every counter and reservation
-- (actors/ledger_core.hpp), so no counter is stored on its own. Enums are TEXT
-- holding their to_string() names; money is INTEGER micros; instants are
-- INTEGER microseconds since the Unix epoch.

CREATE TABLE cap_journal (
  seq           INTEGER PRIMARY KEY NOT NULL,
  at            INTEGER NOT NULL,
  op            TEXT NOT NULL CHECK (op IN ('reserve', 'hold', 'commit', 'release', 'expire', 'renew')),
  token         INTEGER NOT NULL,
  call_id       TEXT NOT NULL DEFAULT '',
  campaign_id   TEXT NOT NULL DEFAULT '',
  source_id     TEXT NOT NULL DEFAULT '',
  buyer_id      TEXT NOT NULL DEFAULT '',
  lease_until   INTEGER NOT NULL DEFAULT 0,
  stage         TEXT NOT NULL DEFAULT 'none',
  amount_micros INTEGER NOT NULL DEFAULT 0
);

-- No secondary index: the journal is only ever read whole, in seq order, and
-- every index would double the cost of each decision's write.
