#include "adapters/sqlite_migrations.hpp"

#include "adapters/sqlite_common.hpp"

#include <sqlite3.h>

#include <array>
#include <chrono>
#include <string>

namespace ringbid {

namespace {

// Verbatim copy of schemas/sql/0001_leads.sql (tests/sqlite_lead_store_test.cpp
// compares them byte for byte).
constexpr std::string_view migration_0001 = R"sql(-- Migration 0001: leads, their call journals, and the migration log.
-- Forward-only: never edit this file once released; add 0002_*.sql instead.
-- adapters/sqlite_migrations.cpp embeds this text verbatim (a test keeps them equal).
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
)sql";

constexpr std::array<migration, 1> migrations{{
    {1, migration_0001},
}};

int64_t unix_now_us() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

/// The highest applied migration, 0 on a fresh database, -1 on error.
int schema_version(sqlite3* db, std::string* error) {
  sqlite::statement exists;
  if (!exists.prepare(db, "SELECT count(*) FROM sqlite_master WHERE type='table' AND "
                          "name='schema_migrations'", error))
    return -1;
  if (exists.step() != SQLITE_ROW) return -1;
  if (exists.column_int(0) == 0) return 0;
  sqlite::statement latest;
  if (!latest.prepare(db, "SELECT coalesce(max(version), 0) FROM schema_migrations", error)) return -1;
  if (latest.step() != SQLITE_ROW) return -1;
  return static_cast<int>(latest.column_int(0));
}

bool apply_pending(sqlite3* db, std::string* error) {
  int current = schema_version(db, error);
  if (current < 0) return false;
  auto all = lead_store_migrations();
  if (!all.empty() && current > all.back().version) {
    *error = "schema version " + std::to_string(current) + " is newer than this build's " +
             std::to_string(all.back().version);
    return false;
  }
  for (const auto& step : all) {
    if (step.version <= current) continue;
    std::string sql{step.sql};
    if (sqlite::exec(db, sql.c_str(), error) != SQLITE_OK) {
      *error = "migration " + std::to_string(step.version) + ": " + *error;
      return false;
    }
    sqlite::statement record;
    if (!record.prepare(db, "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)", error))
      return false;
    record.bind_int(1, step.version);
    record.bind_int(2, unix_now_us());
    if (int rc = record.step(); rc != SQLITE_DONE) {
      *error = sqlite::error_text(db, rc);
      return false;
    }
  }
  return true;
}

} // namespace

bool apply_lead_store_migrations(sqlite3* db, std::string* error) {
  std::string scratch;
  if (error == nullptr) error = &scratch;
  if (sqlite::exec(db, "BEGIN IMMEDIATE", error) != SQLITE_OK) return false;
  if (!apply_pending(db, error) || sqlite::exec(db, "COMMIT", error) != SQLITE_OK) {
    sqlite::exec(db, "ROLLBACK", nullptr);
    return false;
  }
  return true;
}

std::span<const migration> lead_store_migrations() { return migrations; }

} // namespace ringbid
