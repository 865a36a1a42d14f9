#include "adapters/sqlite/sqlite_live_calls.hpp"

#include "adapters/sqlite/caf_blob.hpp"
#include "adapters/sqlite/sqlite_common.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <unordered_map>

namespace ringbid {

namespace {

constexpr const char* select_live_sql =
  "SELECT carrier_call_id, call_id, did, caller, started_at, lead, snapshot FROM live_calls ORDER BY started_at";

constexpr const char* select_inbox_sql = "SELECT seq, carrier_call_id, event FROM call_inbox ORDER BY seq";

template <class Decode>
auto column_blob(const sqlite::statement& row, int column, Decode decode) {
  auto* data = sqlite3_column_blob(row.get(), column);
  return decode(data, static_cast<size_t>(sqlite3_column_bytes(row.get(), column)));
}

} // namespace

std::vector<adoptable_call> load_live_calls(const std::string& db_path, std::string* error, uint64_t* undecodable) {
  std::string scratch;
  std::string* err = error ? error : &scratch;
  uint64_t bad = 0;
  std::vector<adoptable_call> out;
  auto db = sqlite::open_db(db_path, SQLITE_OPEN_READONLY, err);
  if (!db) return out;
  sqlite::statement rows;
  if (!rows.prepare(db.get(), select_live_sql, err)) return out;
  std::unordered_map<std::string, size_t> by_carrier_id;
  int rc = SQLITE_ROW;
  while ((rc = rows.step()) == SQLITE_ROW) {
    adoptable_call call;
    call.carrier_call_id = rows.column_text(0);
    call.id = rows.column_is_null(1) ? call_id{} : rows.column_uuid(1);
    call.did = rows.column_text(2);
    call.caller = rows.column_text(3);
    call.started_at = rows.column_int(4);
    if (auto lead = column_blob(rows, 5, sqlite::decode_lead_blob)) call.provisional = std::move(*lead);
    if (!rows.column_is_null(6)) {
      auto snapshot = column_blob(rows, 6, sqlite::decode_snapshot_blob);
      if (snapshot && snapshot->carrier_call_id == call.carrier_call_id) {
        call.has_snapshot = true;
        call.snapshot = std::move(*snapshot);
      } else {
        ++bad;
      }
    }
    by_carrier_id.emplace(call.carrier_call_id, out.size());
    out.push_back(std::move(call));
  }
  if (rc != SQLITE_DONE) {
    *err = "reading live_calls: " + sqlite::error_text(db.get(), rc);
    out.clear();
    return out;
  }
  sqlite::statement inbox;
  if (!inbox.prepare(db.get(), select_inbox_sql, err)) {
    out.clear();
    return out;
  }
  while ((rc = inbox.step()) == SQLITE_ROW) {
    auto seq = static_cast<uint64_t>(inbox.column_int(0));
    auto i = by_carrier_id.find(inbox.column_text(1));
    if (i == by_carrier_id.end()) continue; // its call is over
    auto& call = out[i->second];
    const auto& applied = call.snapshot.applied_events;
    if (call.has_snapshot && std::find(applied.begin(), applied.end(), seq) != applied.end()) continue;
    auto event = column_blob(inbox, 2, sqlite::decode_event_blob);
    if (!event) {
      ++bad;
      continue;
    }
    event->journal_seq = seq;
    event->sequence = 0;
    call.pending.push_back(std::move(*event));
  }
  if (rc != SQLITE_DONE) {
    *err = "reading call_inbox: " + sqlite::error_text(db.get(), rc);
    out.clear();
    return out;
  }
  if (undecodable) *undecodable = bad;
  return out;
}

} // namespace ringbid
