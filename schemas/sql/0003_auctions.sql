-- Migration 0003: every auction round of every call, kept with its lead, so
-- `ringbid auction show CALL_ID` can explain who got the call and why.
-- Conventions as in 0001 (ids BLOB, money INTEGER micros, instants INTEGER us).

CREATE TABLE auction_rounds (
  call_id               BLOB NOT NULL,
  round                 INTEGER NOT NULL,
  strategy              TEXT NOT NULL,
  clearing              TEXT NOT NULL,
  opened_at             INTEGER NOT NULL,
  closed_at             INTEGER NOT NULL,
  deadline_ms           INTEGER NOT NULL,
  floor_micros          INTEGER NOT NULL,
  winner                TEXT NOT NULL,   -- '' when nobody won
  winning_bid_micros    INTEGER NOT NULL,
  clearing_price_micros INTEGER NOT NULL,
  PRIMARY KEY (call_id, round)
) WITHOUT ROWID;

-- One row per buyer of the campaign per round, seq = the campaign's order.
CREATE TABLE auction_entries (
  call_id      BLOB NOT NULL,
  round        INTEGER NOT NULL,
  seq          INTEGER NOT NULL,
  buyer_id     TEXT NOT NULL,
  verdict      TEXT NOT NULL,    -- skipped, capped, no_answer, no_bid, error, rejected, won, ranked
  reason       TEXT NOT NULL,
  bid_micros   INTEGER NOT NULL,
  price_micros INTEGER NOT NULL,
  latency_us   INTEGER NOT NULL, -- -1: not pinged
  transport_us INTEGER NOT NULL, -- -1: unknown
  rank         INTEGER NOT NULL, -- 0: not a valid offer
  fixed        INTEGER NOT NULL, -- 1: a fixed-payout buyer, not pinged
  PRIMARY KEY (call_id, round, seq)
) WITHOUT ROWID;
