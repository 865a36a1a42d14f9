// Schema migrations (schemas/sql/NNNN_*.sql, adapters/sqlite_migrations): an
// empty file, and a database left at every earlier version with rows in every
// table, opened the way the node opens it. No version number is hard-coded:
// every check iterates lead_store_migrations(), so a new migration is covered
// as soon as it is embedded. (sqlite_lead_store_test checks that the embedded
// text equals the .sql files and the basic record-once/refuse-newer cases.)

#include "adapters/sqlite/did_store.hpp"
#include "adapters/sqlite/sqlite_cap_journal.hpp"
#include "adapters/sqlite/sqlite_common.hpp"
#include "adapters/sqlite/sqlite_lead_reader.hpp"
#include "adapters/sqlite/sqlite_lead_store.hpp"
#include "adapters/sqlite/sqlite_migrations.hpp"
#include "tests/support/lead_compare.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace ringbid {
namespace {

using test::expect_same_lead;

namespace fs = std::filesystem;

// -- versions ------------------------------------------------------------------

int latest_version() { return lead_store_migrations().back().version; }

constexpr int busy_timeout_ms = 5000; // sqlite_options' default

/// When the hand-built databases say their migrations ran: 2023-11-14, long
/// before any test runs, and distinct per version, so the rows this file writes
/// are told apart from those the code under test writes (stamped "now").
constexpr int64_t seeded_applied_at_us(int version) { return int64_t{1'700'000'000'000'000} + version; }

int64_t now_us() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

// -- SQL text ------------------------------------------------------------------

std::string sql_text(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

std::string sql_blob(const uuid& id) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out = "x'";
  for (unsigned char byte : sqlite::to_bytes(id)) {
    out += hex[byte >> 4];
    out += hex[byte & 0xF];
  }
  return out + "'";
}

std::string sql_name(const std::string& identifier) { return "\"" + identifier + "\""; }

std::string sql_int(int64_t value) { return std::to_string(value); }

// -- a raw connection ----------------------------------------------------------

/// A plain connection for building old databases and inspecting any database;
/// it does not configure or migrate anything by itself.
class raw_db {
public:
  explicit raw_db(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK)
      ADD_FAILURE() << "cannot open " << path << ": " << sqlite3_errmsg(db_);
    sqlite3_busy_timeout(db_, busy_timeout_ms);
  }
  ~raw_db() { sqlite3_close_v2(db_); }
  raw_db(const raw_db&) = delete;
  raw_db& operator=(const raw_db&) = delete;

  /// Runs SQL that returns no rows: "" on success, else SQLite's message.
  std::string exec(const std::string& sql) {
    char* message = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message) == SQLITE_OK) return {};
    std::string text = message != nullptr ? message : sqlite3_errmsg(db_);
    sqlite3_free(message);
    return text.empty() ? "failed" : text;
  }

  /// Every row of a query, each column as text ("NULL" for a null).
  std::vector<std::vector<std::string>> rows(const std::string& sql) const {
    std::vector<std::vector<std::string>> out;
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db_);
      return out;
    }
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
      std::vector<std::string> row;
      for (int i = 0; i < sqlite3_column_count(s); ++i) {
        auto text = sqlite3_column_text(s, i);
        row.push_back(text == nullptr ? std::string("NULL")
                                      : std::string(reinterpret_cast<const char*>(text),
                                                    static_cast<size_t>(sqlite3_column_bytes(s, i))));
      }
      out.push_back(std::move(row));
    }
    if (rc != SQLITE_DONE) ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db_);
    sqlite3_finalize(s);
    return out;
  }

  /// The first column of every row.
  std::vector<std::string> column(const std::string& sql) const {
    std::vector<std::string> out;
    for (auto& row : rows(sql)) out.push_back(row.at(0));
    return out;
  }

  /// The first column of the first row, or "<no row>".
  std::string text(const std::string& sql) const {
    auto all = column(sql);
    return all.empty() ? "<no row>" : all.front();
  }

  int64_t integer(const std::string& sql) const { return std::strtoll(text(sql).c_str(), nullptr, 10); }

  /// Rows inserted, updated or deleted through this connection so far.
  int total_changes() const { return sqlite3_total_changes(db_); }

  sqlite3* get() const { return db_; }

private:
  sqlite3* db_ = nullptr;
};

bool has_table(const raw_db& db, const std::string& table) {
  return db.integer("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = " + sql_text(table)) == 1;
}

bool has_column(const raw_db& db, const std::string& table, const std::string& name) {
  return db.integer("SELECT count(*) FROM pragma_table_info(" + sql_text(table) + ") WHERE name = " + sql_text(name)) ==
         1;
}

/// The tables of the main schema, SQLite's own excluded, by name.
std::vector<std::string> tables_of(const raw_db& db) {
  return db.column("SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table' "
                   "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name");
}

/// (version, applied_at) of every schema_migrations row, by version; empty
/// when the table does not exist.
std::vector<std::vector<std::string>> migration_log(const raw_db& db) {
  if (!has_table(db, "schema_migrations")) return {};
  return db.rows("SELECT version, applied_at FROM schema_migrations ORDER BY version");
}

// -- building a database at an old version ---------------------------------------

/// Leaves `db` where a node of version `k` left it: in WAL mode (as
/// configure_writer sets it), with the first `k` migrations' SQL run and each
/// recorded in schema_migrations (version, applied_at) right after its SQL,
/// all in one transaction, as apply_lead_store_migrations does.
void build_at_version(raw_db& db, int k) {
  auto journal_mode = db.text("PRAGMA journal_mode=WAL");
  ASSERT_TRUE(journal_mode == "wal" || journal_mode == "memory") << journal_mode; // memory: ":memory:"
  ASSERT_EQ(db.exec("BEGIN IMMEDIATE"), "");
  for (const auto& step : lead_store_migrations()) {
    if (step.version > k) break;
    ASSERT_EQ(db.exec(std::string(step.sql)), "") << "migration " << step.version;
    ASSERT_EQ(db.exec("INSERT INTO schema_migrations (version, applied_at) VALUES (" + sql_int(step.version) + ", " +
                      sql_int(seeded_applied_at_us(step.version)) + ")"),
              "");
  }
  ASSERT_EQ(db.exec("COMMIT"), "");
}

/// The names of the tables, indexes, views and triggers migration `version`
/// creates, in the order it creates them (SQLite's own excluded).
std::vector<std::string> objects_created_by(int version) {
  auto names = [](int k) {
    raw_db db(":memory:");
    EXPECT_NO_FATAL_FAILURE(build_at_version(db, k));
    return db.column("SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid");
  };
  auto before = names(version - 1);
  std::vector<std::string> created;
  for (auto& name : names(version))
    if (std::find(before.begin(), before.end(), name) == before.end()) created.push_back(name);
  return created;
}

// -- schema and contents, compared ------------------------------------------------

/// What a schema means to its queries, by object ("table leads", "index
/// leads_buyer"...): a table's columns (name, declared type, not null, default,
/// primary-key position, in order) and rowid-ness; an index's table,
/// uniqueness, origin, partialness and columns; a view's or trigger's SQL.
/// Raw CREATE TABLE text is not compared: ALTER TABLE ADD COLUMN leaves it
/// worded differently from the same table created fresh.
using schema_shape = std::map<std::string, std::string>;

schema_shape shape_of(const raw_db& db) {
  schema_shape out;
  for (auto& table : db.rows("SELECT name, wr, strict FROM pragma_table_list WHERE schema = 'main' AND "
                             "type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'")) {
    const auto& name = table[0];
    std::string description = "without_rowid=" + table[1] + " strict=" + table[2];
    for (auto& c : db.rows("SELECT name, type, \"notnull\", coalesce(dflt_value, 'NULL'), pk FROM "
                           "pragma_table_info(" +
                           sql_text(name) + ") ORDER BY cid"))
      description += "\n  " + c[0] + " " + c[1] + " notnull=" + c[2] + " default=" + c[3] + " pk=" + c[4];
    out["table " + name] = description;
    for (auto& index :
         db.rows("SELECT name, \"unique\", origin, partial FROM pragma_index_list(" + sql_text(name) + ")")) {
      std::string columns;
      for (auto& c : db.column("SELECT coalesce(name, '<expression>') FROM pragma_index_info(" + sql_text(index[0]) +
                               ") ORDER BY seqno"))
        columns += (columns.empty() ? "" : ", ") + c;
      out["index " + index[0]] =
        "on " + name + " (" + columns + ") unique=" + index[1] + " origin=" + index[2] + " partial=" + index[3];
    }
  }
  for (auto& other : db.rows("SELECT type, name, sql FROM sqlite_master WHERE type IN ('view', 'trigger')"))
    out[other[0] + " " + other[1]] = other[2];
  return out;
}

void expect_same_shape(const schema_shape& actual, const schema_shape& expected) {
  for (const auto& [object, description] : expected) {
    auto found = actual.find(object);
    if (found == actual.end())
      ADD_FAILURE() << object << " is missing; expected:\n" << description;
    else
      EXPECT_EQ(found->second, description) << object;
  }
  for (const auto& [object, description] : actual)
    if (expected.count(object) == 0) ADD_FAILURE() << object << " should not exist:\n" << description;
}

/// Each table's column names, by table.
using table_columns = std::map<std::string, std::vector<std::string>>;

table_columns columns_of(const raw_db& db) {
  table_columns out;
  for (auto& table : tables_of(db))
    out[table] = db.column("SELECT name FROM pragma_table_info(" + sql_text(table) + ") ORDER BY cid");
  return out;
}

/// Each table's rows, every value of `columns` rendered by quote(), sorted:
/// equal contents compare equal whatever the row order. schema_migrations is
/// left out (it is checked on its own: migrating adds rows to it).
using table_rows = std::map<std::string, std::vector<std::string>>;

table_rows contents_of(const raw_db& db, const table_columns& columns) {
  table_rows out;
  for (const auto& [table, names] : columns) {
    if (table == "schema_migrations") continue;
    std::string row;
    for (const auto& name : names) row += (row.empty() ? "" : " || ' | ' || ") + ("quote(" + sql_name(name) + ")");
    auto values = db.column("SELECT " + row + " FROM " + sql_name(table));
    std::sort(values.begin(), values.end());
    out[table] = values;
  }
  return out;
}

// -- rows for every table ---------------------------------------------------------

constexpr int64_t seed_ms = 1'700'000'000'000; // 2023-11-14: the seeded rows' era

/// A lead as an old node would have booked it; every 0001 field set, varied by `n`.
lead_record old_lead(uint64_t n) {
  lead_record x;
  auto i = static_cast<int64_t>(n);
  x.id = make_uuid7(seed_ms + i, 0, n);
  x.carrier_call_id = "v3:old-" + std::to_string(n);
  x.did = "+18005550100";
  x.caller = "+1512555" + std::to_string(1000 + n);
  x.campaign_id = "camp-1";
  x.source_id = "pub-" + std::to_string(n);
  x.buyer_id = "buyer-" + std::to_string(n);
  x.destination = "sip:buyer" + std::to_string(n) + "@example.com";
  x.outcome = disposition::bridged;
  x.ended_in = call_state::done;
  x.started_at = seed_ms * 1000 + i;
  x.answered_at = x.started_at + 150'000;
  x.bridged_at = x.started_at + 8'000'000;
  x.ended_at = x.started_at + 95'000'000;
  x.hold_ms = 3500 + i;
  x.talk_ms = 87'000 + i;
  x.bid_micros = 11'000'000 + i;
  x.revenue_micros = 11'000'000 + i;
  x.payout_micros = 7'000'000 + i;
  x.auction_rounds = 1;
  x.transfer_attempts = 1;
  x.auction_latency_us = 1700 + i;
  x.cause = hangup_cause::normal_clearing;
  x.source = hangup_source::callee;
  x.recording_url = "https://rec.example.com/old-" + std::to_string(n) + ".mp3";
  x.journal = {{x.started_at, call_state::greeting, "answered"},
               {x.started_at + 4'000'000, call_state::hold, "it's 'quoted'"},
               {x.started_at + 5'000'000, call_state::auction, "2 pings"},
               {x.bridged_at, call_state::bridged, x.buyer_id},
               {x.ended_at, call_state::done, "callee hung up"}};
  return x;
}

/// A lead that never reached a buyer: empty texts, zeros, one journal entry.
lead_record old_unsold_lead(uint64_t n) {
  lead_record x;
  x.id = make_uuid7(seed_ms + static_cast<int64_t>(n), 0, n);
  x.carrier_call_id = "v3:old-" + std::to_string(n);
  x.did = "+18005550100";
  x.caller = "+15125550000";
  x.campaign_id = "camp-1";
  x.source_id = "pub-1";
  x.outcome = disposition::abandoned;
  x.ended_in = call_state::hold;
  x.started_at = seed_ms * 1000 + static_cast<int64_t>(n);
  x.ended_at = x.started_at + 2'000'000;
  x.hold_ms = 1200;
  x.cause = hangup_cause::originator_cancel;
  x.source = hangup_source::caller;
  x.journal = {{x.started_at, call_state::greeting, ""}};
  return x;
}

/// The lead written through the store once the database is migrated.
lead_record new_lead() {
  auto x = old_lead(900);
  x.id = make_uuid7(seed_ms + 900'000, 1, 900);
  x.carrier_call_id = "v3:new-900";
  x.caller_state = "CA";
  x.area_code = "415";
  x.converted = true;
  x.billing_note = "tier 60s";
  x.caller_hash = std::string(64, 'c');
  x.tags = {"tv"};
  x.ivr = {{"zip", "94105"}};
  auction_record round;
  round.round = 1;
  round.strategy = "auction";
  round.clearing = "first_price";
  round.opened_at = x.started_at + 5'000'000;
  round.closed_at = round.opened_at + 90'000;
  round.deadline_ms = 100;
  round.floor_micros = 1'000'000;
  round.winner = x.buyer_id;
  round.winning_bid_micros = x.bid_micros;
  round.clearing_price_micros = x.bid_micros;
  auction_entry won;
  won.buyer_id = x.buyer_id;
  won.verdict = bidder_verdict::won;
  won.reason = "highest valid bid";
  won.bid_micros = x.bid_micros;
  won.price_micros = x.bid_micros;
  won.latency_us = 80'000;
  won.transport_us = 75'000;
  won.rank = 1;
  round.entries.push_back(won);
  x.auctions.push_back(round);
  return x;
}

void insert_lead_0001(raw_db& db, const lead_record& x) {
  // Only the columns migration 0001 created: they exist at every version.
  ASSERT_EQ(db.exec("INSERT INTO leads (id, id_text, carrier_call_id, did, caller, campaign_id, source_id, "
                    "buyer_id, destination, outcome, ended_in, started_at, answered_at, bridged_at, ended_at, "
                    "hold_ms, talk_ms, bid_micros, revenue_micros, payout_micros, auction_rounds, "
                    "transfer_attempts, auction_latency_us, hangup_cause, hangup_source, recording_url) VALUES (" +
                    sql_blob(x.id) + ", " + sql_text(x.id.to_string()) + ", " + sql_text(x.carrier_call_id) + ", " +
                    sql_text(x.did) + ", " + sql_text(x.caller) + ", " + sql_text(x.campaign_id) + ", " +
                    sql_text(x.source_id) + ", " + sql_text(x.buyer_id) + ", " + sql_text(x.destination) + ", " +
                    sql_text(to_string(x.outcome)) + ", " + sql_text(to_string(x.ended_in)) + ", " +
                    sql_int(x.started_at) + ", " + sql_int(x.answered_at) + ", " + sql_int(x.bridged_at) + ", " +
                    sql_int(x.ended_at) + ", " + sql_int(x.hold_ms) + ", " + sql_int(x.talk_ms) + ", " +
                    sql_int(x.bid_micros) + ", " + sql_int(x.revenue_micros) + ", " + sql_int(x.payout_micros) + ", " +
                    sql_int(x.auction_rounds) + ", " + sql_int(x.transfer_attempts) + ", " +
                    sql_int(x.auction_latency_us) + ", " + sql_text(to_string(x.cause)) + ", " +
                    sql_text(to_string(x.source)) + ", " + sql_text(x.recording_url) + ")"),
            "");
  for (size_t seq = 0; seq < x.journal.size(); ++seq) // seq from 0, as the store numbers them
    ASSERT_EQ(db.exec("INSERT INTO call_events (call_id, seq, at, state, note) VALUES (" + sql_blob(x.id) + ", " +
                      sql_int(static_cast<int64_t>(seq)) + ", " + sql_int(x.journal[seq].at) + ", " +
                      sql_text(to_string(x.journal[seq].state)) + ", " + sql_text(x.journal[seq].note) + ")"),
              "");
}

/// Sets the 0004 billing columns of a stored lead to `x`'s values.
void update_lead_0004(raw_db& db, const lead_record& x) {
  std::string tags;
  for (const auto& tag : x.tags) tags += (tags.empty() ? "" : ",") + tag;
  std::string ivr;
  for (const auto& answer : x.ivr) // plain keys and values: no JSON escaping needed
    ivr += (ivr.empty() ? "{" : ",") + ("\"" + answer.key + "\":\"" + answer.value + "\"");
  if (!ivr.empty()) ivr += "}";
  ASSERT_EQ(db.exec("UPDATE leads SET caller_state = " + sql_text(x.caller_state) +
                    ", area_code = " + sql_text(x.area_code) + ", converted = " + sql_int(x.converted ? 1 : 0) +
                    ", billing_note = " + sql_text(x.billing_note) + ", caller_hash = " + sql_text(x.caller_hash) +
                    ", tags = " + sql_text(tags) + ", ivr = " + sql_text(ivr) + " WHERE id = " + sql_blob(x.id)),
            "");
}

void insert_auction_0003(raw_db& db, const lead_record& x, const auction_record& a) {
  ASSERT_EQ(db.exec("INSERT INTO auction_rounds (call_id, round, strategy, clearing, opened_at, closed_at, "
                    "deadline_ms, floor_micros, winner, winning_bid_micros, clearing_price_micros) VALUES (" +
                    sql_blob(x.id) + ", " + sql_int(a.round) + ", " + sql_text(a.strategy) + ", " +
                    sql_text(a.clearing) + ", " + sql_int(a.opened_at) + ", " + sql_int(a.closed_at) + ", " +
                    sql_int(a.deadline_ms) + ", " + sql_int(a.floor_micros) + ", " + sql_text(a.winner) + ", " +
                    sql_int(a.winning_bid_micros) + ", " + sql_int(a.clearing_price_micros) + ")"),
            "");
  for (size_t seq = 0; seq < a.entries.size(); ++seq) {
    const auto& e = a.entries[seq];
    ASSERT_EQ(db.exec("INSERT INTO auction_entries (call_id, round, seq, buyer_id, verdict, reason, bid_micros, "
                      "price_micros, latency_us, transport_us, rank, fixed) VALUES (" +
                      sql_blob(x.id) + ", " + sql_int(a.round) + ", " + sql_int(static_cast<int64_t>(seq)) + ", " +
                      sql_text(e.buyer_id) + ", " + sql_text(to_string(e.verdict)) + ", " + sql_text(e.reason) + ", " +
                      sql_int(e.bid_micros) + ", " + sql_int(e.price_micros) + ", " + sql_int(e.latency_us) + ", " +
                      sql_int(e.transport_us) + ", " + sql_int(e.rank) + ", " + sql_int(e.fixed ? 1 : 0) + ")"),
              "");
  }
}

auction_record old_auction(const lead_record& x) {
  auction_record a;
  a.round = 1;
  a.strategy = "auction";
  a.clearing = "second_price";
  a.opened_at = x.started_at + 5'000'000;
  a.closed_at = a.opened_at + 95'000;
  a.deadline_ms = 120;
  a.floor_micros = 2'000'000;
  a.winner = x.buyer_id;
  a.winning_bid_micros = 14'000'000;
  a.clearing_price_micros = x.bid_micros;
  auction_entry winner;
  winner.buyer_id = x.buyer_id;
  winner.verdict = bidder_verdict::won;
  winner.reason = "highest valid bid";
  winner.bid_micros = 14'000'000;
  winner.price_micros = x.bid_micros;
  winner.latency_us = 90'000;
  winner.transport_us = 85'000;
  winner.rank = 1;
  auction_entry skipped;
  skipped.buyer_id = "buyer-closed";
  skipped.verdict = bidder_verdict::skipped;
  skipped.reason = "closed: New Year (2024-01-01)";
  a.entries = {winner, skipped};
  return a;
}

cap_journal_entry cap_row(uint64_t seq, cap_op op, int64_t amount_micros) {
  cap_journal_entry e;
  e.seq = seq;
  e.at = seed_ms * 1000 + static_cast<int64_t>(seq);
  e.op = op;
  e.token = 77; // one reservation, followed through its life
  e.amount_micros = amount_micros;
  return e;
}

void insert_cap_row_0002(raw_db& db, const cap_journal_entry& e) {
  std::string call = e.call == uuid{} ? std::string() : e.call.to_string();
  ASSERT_EQ(db.exec("INSERT INTO cap_journal (seq, at, op, token, call_id, campaign_id, source_id, buyer_id, "
                    "lease_until, stage, amount_micros) VALUES (" +
                    sql_int(static_cast<int64_t>(e.seq)) + ", " + sql_int(e.at) + ", " + sql_text(to_string(e.op)) +
                    ", " + sql_int(static_cast<int64_t>(e.token)) + ", " + sql_text(call) + ", " +
                    sql_text(e.campaign_id) + ", " + sql_text(e.source_id) + ", " + sql_text(e.buyer_id) + ", " +
                    sql_int(e.lease_until) + ", " + sql_text(to_string(e.stage)) + ", " + sql_int(e.amount_micros) +
                    ")"),
            "");
}

/// A value of the column's declared type (SQLite's affinity rules), for tables
/// no seeder below knows: those a newer migration adds.
std::string placeholder_value(const std::string& declared_type) {
  std::string type = declared_type;
  std::transform(type.begin(), type.end(), type.begin(), [](unsigned char c) { return std::toupper(c); });
  if (type.find("INT") != std::string::npos) return "7";
  if (type.find("CHAR") != std::string::npos || type.find("CLOB") != std::string::npos ||
      type.find("TEXT") != std::string::npos)
    return "'placeholder'";
  if (type.find("REAL") != std::string::npos || type.find("FLOA") != std::string::npos ||
      type.find("DOUB") != std::string::npos)
    return "1.5";
  return "x'5EED'";
}

/// What seed() wrote, as the adapters must return it once the database is migrated.
struct seeded_rows {
  std::vector<lead_record> leads;
  std::vector<cap_journal_entry> cap_journal;
  std::vector<did_entry> dids;
  std::vector<std::string> placeholder_tables; ///< tables given one row of placeholder values
};

/// Writes representative rows into every table `db` has, whatever its version:
/// each seeder runs when its table (or column) exists, so a database of a later
/// version gets every older seed too. A table no seeder knows gets one row of
/// placeholder values.
void seed(raw_db& db, seeded_rows& out) {
  std::set<std::string> known = {"schema_migrations"};
  ASSERT_EQ(db.exec("BEGIN"), "");
  if (has_table(db, "leads")) { // 0001, with call_events
    known.insert({"leads", "call_events"});
    auto sold = old_lead(1);
    auto unsold = old_unsold_lead(2);
    ASSERT_NO_FATAL_FAILURE(insert_lead_0001(db, sold));
    ASSERT_NO_FATAL_FAILURE(insert_lead_0001(db, unsold));
    if (has_column(db, "leads", "caller_state")) { // 0004; the unsold lead keeps the defaults
      sold.caller_state = "TX";
      sold.area_code = "512";
      sold.converted = true;
      sold.billing_note = "bid";
      sold.caller_hash = std::string(64, 'a');
      sold.tags = {"spanish", "tv"};
      sold.ivr = {{"zip", "78701"}};
      ASSERT_NO_FATAL_FAILURE(update_lead_0004(db, sold));
    }
    if (has_table(db, "auction_rounds")) { // 0003
      known.insert({"auction_rounds", "auction_entries"});
      sold.auctions.push_back(old_auction(sold));
      ASSERT_NO_FATAL_FAILURE(insert_auction_0003(db, sold, sold.auctions.back()));
    }
    out.leads = {sold, unsold};
  }
  if (has_table(db, "cap_journal")) { // 0002
    known.insert("cap_journal");
    constexpr int64_t held_micros = 14'000'000;
    auto reserve = cap_row(1, cap_op::reserve, 0);
    reserve.call = old_lead(1).id;
    reserve.campaign_id = "camp-1";
    reserve.source_id = "pub-1";
    reserve.buyer_id = "buyer-1";
    reserve.lease_until = reserve.at + 60'000'000;
    auto hold = cap_row(2, cap_op::hold, held_micros);
    auto commit = cap_row(3, cap_op::commit, held_micros);
    commit.stage = count_stage::bridged;
    out.cap_journal = {reserve, hold, commit};
    for (const auto& e : out.cap_journal) ASSERT_NO_FATAL_FAILURE(insert_cap_row_0002(db, e));
  }
  if (has_table(db, "dids")) { // 0005, with campaigns, sources and buyers
    known.insert({"dids", "campaigns", "sources", "buyers"});
    did_entry assigned{"+18005550100", "camp-1", "pub-1", {"tv", "spanish"}, seed_ms * 1000};
    did_entry tombstone{"+18005550101", "", "", {}, seed_ms * 1000 + 1};
    out.dids = {assigned, tombstone};
    ASSERT_EQ(db.exec("INSERT INTO dids (number, campaign_id, source_id, tags, updated_at) VALUES "
                      "('+18005550100', 'camp-1', 'pub-1', 'tv,spanish', " +
                      sql_int(assigned.updated_at) +
                      "), "
                      "('+18005550101', '', '', '', " +
                      sql_int(tombstone.updated_at) +
                      ");"
                      "INSERT INTO campaigns (id, name) VALUES ('camp-1', 'Camp One'), ('camp-2', '');"
                      "INSERT INTO sources (id, name) VALUES ('pub-1', 'Publisher One');"
                      "INSERT INTO buyers (id, name) VALUES ('buyer-1', 'Buyer One'), ('buyer-2', 'Buyer Two');"),
              "");
  }
  for (const auto& table : tables_of(db)) {
    if (known.count(table) != 0) continue;
    std::string names, values;
    for (auto& c : db.rows("SELECT name, type FROM pragma_table_info(" + sql_text(table) + ") ORDER BY cid")) {
      names += (names.empty() ? "" : ", ") + sql_name(c[0]);
      values += (values.empty() ? "" : ", ") + placeholder_value(c[1]);
    }
    ASSERT_EQ(db.exec("INSERT INTO " + sql_name(table) + " (" + names + ") VALUES (" + values + ")"), "")
      << "table " << table << " has no seeder here, and a row of placeholder values does not fit it: "
      << "add a seeder for it to seed()";
    out.placeholder_tables.push_back(table);
  }
  ASSERT_EQ(db.exec("COMMIT"), "");
}

// -- comparing what the adapters read back ----------------------------------------

void expect_same_cap_journal(const std::vector<cap_journal_entry>& a, const std::vector<cap_journal_entry>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    SCOPED_TRACE("cap_journal seq " + std::to_string(b[i].seq));
    EXPECT_EQ(a[i].seq, b[i].seq);
    EXPECT_EQ(a[i].at, b[i].at);
    EXPECT_EQ(a[i].op, b[i].op);
    EXPECT_EQ(a[i].token, b[i].token);
    EXPECT_EQ(a[i].call, b[i].call);
    EXPECT_EQ(a[i].campaign_id, b[i].campaign_id);
    EXPECT_EQ(a[i].source_id, b[i].source_id);
    EXPECT_EQ(a[i].buyer_id, b[i].buyer_id);
    EXPECT_EQ(a[i].lease_until, b[i].lease_until);
    EXPECT_EQ(a[i].stage, b[i].stage);
    EXPECT_EQ(a[i].amount_micros, b[i].amount_micros);
  }
}

void expect_same_dids(const std::vector<did_entry>& a, const std::vector<did_entry>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    SCOPED_TRACE("did " + b[i].number);
    EXPECT_EQ(a[i].number, b[i].number);
    EXPECT_EQ(a[i].campaign_id, b[i].campaign_id);
    EXPECT_EQ(a[i].source_id, b[i].source_id);
    EXPECT_EQ(a[i].tags, b[i].tags);
    EXPECT_EQ(a[i].updated_at, b[i].updated_at);
  }
}

// -- fixtures ---------------------------------------------------------------------

/// A scratch directory under /tmp, removed afterwards.
class scratch_dir {
public:
  scratch_dir() {
    char pattern[] = "/tmp/ringbid-migrations-XXXXXX";
    if (mkdtemp(pattern) == nullptr) ADD_FAILURE() << "mkdtemp failed";
    path_ = pattern;
  }
  ~scratch_dir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }

private:
  fs::path path_;
};

sqlite_options options_for(const std::string& path) {
  sqlite_options options;
  options.path = path;
  return options;
}

/// The schema of a database created by this build from nothing, the way the node creates it.
schema_shape fresh_shape(const scratch_dir& dir) {
  auto path = dir.file("fresh-reference.db");
  std::string error;
  auto db = open_migrated_writer(path, true, busy_timeout_ms, &error);
  EXPECT_NE(db, nullptr) << error;
  db.reset();
  raw_db raw(path);
  return shape_of(raw);
}

/// Expects schema_migrations to list 1..latest exactly once each; versions up
/// to `k` with the stamps build_at_version gave them, newer ones stamped
/// between `start_us` and now, in the order applied.
void expect_migration_log(const raw_db& db, int k, int64_t start_us) {
  auto log = db.rows("SELECT version, count(*), min(applied_at) FROM schema_migrations "
                     "GROUP BY version ORDER BY version");
  ASSERT_EQ(log.size(), lead_store_migrations().size());
  int64_t previous = 0;
  for (size_t i = 0; i < log.size(); ++i) {
    int version = lead_store_migrations()[i].version;
    SCOPED_TRACE("migration " + std::to_string(version));
    EXPECT_EQ(log[i][0], std::to_string(version));
    EXPECT_EQ(log[i][1], "1") << "applied more than once";
    int64_t applied_at = std::strtoll(log[i][2].c_str(), nullptr, 10);
    if (version <= k) {
      EXPECT_EQ(applied_at, seeded_applied_at_us(version)) << "an already-applied migration was recorded again";
    } else {
      EXPECT_GE(applied_at, start_us);
      EXPECT_LE(applied_at, now_us());
      EXPECT_GE(applied_at, previous);
    }
    previous = applied_at;
  }
  EXPECT_EQ(db.integer("SELECT count(*) FROM schema_migrations"), static_cast<int64_t>(log.size()));
}

/// A database at version GetParam(), built by hand and seeded, at path_.
class at_version : public ::testing::TestWithParam<int> {
protected:
  void SetUp() override {
    version_ = GetParam();
    path_ = dir_.file("ringbid.db");
    raw_db db(path_);
    ASSERT_NO_FATAL_FAILURE(build_at_version(db, version_));
    ASSERT_NO_FATAL_FAILURE(seed(db, seeded_));
    columns_before_ = columns_of(db);
    rows_before_ = contents_of(db, columns_before_);
    shape_before_ = shape_of(db);
    log_before_ = migration_log(db);
    start_us_ = now_us();
  }

  std::unique_ptr<sqlite_lead_store> open_store() {
    std::string error;
    auto store = sqlite_lead_store::open(options_for(path_), &error);
    EXPECT_NE(store, nullptr) << error;
    return store;
  }

  scratch_dir dir_;
  int version_ = 0;
  std::string path_;
  seeded_rows seeded_;
  table_columns columns_before_;
  table_rows rows_before_;
  schema_shape shape_before_;
  std::vector<std::vector<std::string>> log_before_;
  int64_t start_us_ = 0;
};

std::string version_name(const ::testing::TestParamInfo<int>& info) { return "version_" + std::to_string(info.param); }

// -- from scratch -----------------------------------------------------------------

TEST(Migrations, EmptyFileMigratesToTheLatestVersion) {
  scratch_dir dir;
  auto path = dir.file("empty.db");
  std::ofstream{path}; // zero bytes: what a crashed first start or `touch` leaves
  ASSERT_EQ(fs::file_size(path), 0u);
  auto start = now_us();
  std::string error;
  auto db = open_migrated_writer(path, true, busy_timeout_ms, &error);
  ASSERT_NE(db, nullptr) << error;
  db.reset();
  raw_db raw(path);
  expect_migration_log(raw, 0, start);
  EXPECT_EQ(raw.text("PRAGMA journal_mode"), "wal");
  // The same schema as running every migration's SQL by hand, which the other
  // tests rely on to build old versions.
  raw_db by_hand(dir.file("by-hand.db"));
  ASSERT_NO_FATAL_FAILURE(build_at_version(by_hand, latest_version()));
  expect_same_shape(shape_of(raw), shape_of(by_hand));
  EXPECT_EQ(migration_log(raw).size(), migration_log(by_hand).size());
}

TEST(Migrations, ConcurrentFirstOpensMigrateOnce) {
  // The node and a CLI command (`ringbid dids`) may both open a new database at once.
  constexpr int openers = 4;
  scratch_dir dir;
  auto path = dir.file("ringbid.db");
  auto start = now_us();
  std::vector<std::string> errors(openers);
  std::vector<int> opened(openers, 0); // not vector<bool>: each thread writes its own element
  std::vector<std::thread> threads;
  for (int i = 0; i < openers; ++i)
    threads.emplace_back([&, i] {
      auto db = open_migrated_writer(path, true, busy_timeout_ms, &errors[static_cast<size_t>(i)]);
      opened[static_cast<size_t>(i)] = db != nullptr ? 1 : 0;
    });
  for (auto& t : threads) t.join();
  for (int i = 0; i < openers; ++i)
    EXPECT_EQ(opened[static_cast<size_t>(i)], 1) << "opener " << i << ": " << errors[static_cast<size_t>(i)];
  raw_db raw(path);
  expect_migration_log(raw, 0, start);
}

// -- from every earlier version ---------------------------------------------------

class FromEarlierVersion : public at_version {};

TEST_P(FromEarlierVersion, AppliesEachNewerMigrationOnce) {
  ASSERT_TRUE(open_store());
  raw_db db(path_);
  expect_migration_log(db, version_, start_us_);
}

TEST_P(FromEarlierVersion, KeepsEverySeededRowAndGivesNewColumnsTheirDefaults) {
  std::string error;
  ASSERT_NE(open_migrated_writer(path_, true, busy_timeout_ms, &error), nullptr) << error;
  raw_db db(path_);
  // Every row of every table there was, every value as it was.
  auto rows_after = contents_of(db, columns_before_);
  for (const auto& [table, rows] : rows_before_) {
    SCOPED_TRACE("table " + table);
    EXPECT_FALSE(rows.empty()) << "seed() left the table empty";
    EXPECT_EQ(rows_after[table], rows);
  }
  // Columns added to a table that already had rows hold their declared default.
  for (const auto& [table, names] : columns_of(db)) {
    if (columns_before_.count(table) == 0) continue; // a new table
    const auto& old_names = columns_before_.at(table);
    for (auto& c :
         db.rows("SELECT name, coalesce(dflt_value, 'NULL') FROM pragma_table_info(" + sql_text(table) + ")")) {
      if (std::find(old_names.begin(), old_names.end(), c[0]) != old_names.end()) continue;
      EXPECT_EQ(
        db.integer("SELECT count(*) FROM " + sql_name(table) + " WHERE " + sql_name(c[0]) + " IS NOT (" + c[1] + ")"),
        0)
        << table << "." << c[0] << " should be " << c[1] << " in every old row";
    }
  }
  // As documented in 0004_lead_billing.sql, for leads stored before it.
  const auto& lead_columns = columns_before_["leads"];
  if (std::find(lead_columns.begin(), lead_columns.end(), "caller_state") == lead_columns.end()) {
    for (auto& row : db.rows("SELECT caller_state, area_code, converted, billing_note, caller_hash, tags, ivr "
                             "FROM leads"))
      EXPECT_EQ(row, (std::vector<std::string>{"", "", "0", "", "", "", ""}));
  }
}

TEST_P(FromEarlierVersion, EndsWithTheSchemaOfAFreshDatabase) {
  ASSERT_TRUE(open_store());
  raw_db db(path_);
  expect_same_shape(shape_of(db), fresh_shape(dir_));
}

TEST_P(FromEarlierVersion, StoreAndReadersServeOldAndNewRows) {
  auto added = new_lead();
  {
    auto store = open_store();
    ASSERT_TRUE(store);
    store->submit(added);
    store->submit(seeded_.leads.front()); // already stored: must stay a no-op after migrating
    store->flush();
    EXPECT_EQ(store->committed(), 1u);
    EXPECT_EQ(store->duplicates(), 1u);
  }
  std::string error;
  auto reader = sqlite_lead_reader::open(path_, &error);
  ASSERT_NE(reader, nullptr) << error;
  EXPECT_EQ(reader->count(), seeded_.leads.size() + 1);
  EXPECT_EQ(reader->count_duplicate_ids(), 0u);
  for (const auto& lead : seeded_.leads) {
    auto back = reader->find(lead.id);
    ASSERT_TRUE(back.has_value()) << lead.id.to_string();
    expect_same_lead(*back, lead);
  }
  auto back = reader->find(added.id);
  ASSERT_TRUE(back.has_value());
  expect_same_lead(*back, added);
  auto listing = reader->list(lead_query{});
  EXPECT_EQ(listing.rows.size(), seeded_.leads.size() + 1);
  auto summary = reader->summarize();
  EXPECT_EQ(summary.leads, seeded_.leads.size() + 1);

  std::vector<cap_journal_entry> journal;
  ASSERT_TRUE(read_cap_journal(
    path_, [&](const cap_journal_entry& e) { journal.push_back(e); }, &error))
    << error;
  expect_same_cap_journal(journal, seeded_.cap_journal);

  auto dids = did_store::open(path_, &error);
  ASSERT_NE(dids, nullptr) << error;
  std::vector<did_entry> listed;
  ASSERT_TRUE(dids->list(listed, &error)) << error;
  expect_same_dids(listed, seeded_.dids);
  did_entry added_did{"+18005550199", "camp-2", "pub-2", {"radio"}, 0};
  ASSERT_TRUE(dids->assign(added_did, &error)) << error;
  std::optional<did_entry> found;
  ASSERT_TRUE(dids->find(added_did.number, found, &error)) << error;
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->campaign_id, "camp-2");
  EXPECT_EQ(found->tags, added_did.tags);
}

TEST_P(FromEarlierVersion, OpeningAgainAppliesNothing) {
  ASSERT_TRUE(open_store());
  raw_db db(path_);
  auto log = migration_log(db);
  auto shape = shape_of(db);
  auto columns = columns_of(db);
  auto rows = contents_of(db, columns);
  ASSERT_TRUE(open_store()); // the node's next start
  std::string error;
  ASSERT_NE(open_migrated_writer(path_, false, busy_timeout_ms, &error), nullptr) << error;
  int changes_before = db.total_changes();
  EXPECT_TRUE(apply_lead_store_migrations(db.get(), &error)) << error;
  EXPECT_EQ(db.total_changes(), changes_before) << "an up-to-date database was written to";
  EXPECT_EQ(migration_log(db), log);
  expect_same_shape(shape_of(db), shape);
  EXPECT_EQ(contents_of(db, columns), rows);
}

INSTANTIATE_TEST_SUITE_P(Migrations, FromEarlierVersion, ::testing::Range(1, latest_version()), version_name);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(FromEarlierVersion); // a build with one migration has no earlier version

// -- a migration that fails -------------------------------------------------------

/// GetParam() is the version the database is at (0: empty). A table is
/// created under the name of the last object (table, index...) a pending
/// migration creates, so that migration fails after its earlier statements
/// (and any migration before it) succeeded.
class FailingMigration : public at_version {
protected:
  /// Squats the last object migration `failing` creates; its name, or "" if it creates none.
  std::string squat_last_object_of(int failing) {
    auto created = objects_created_by(failing);
    if (created.empty()) return {};
    raw_db db(path_);
    EXPECT_EQ(db.exec("CREATE TABLE " + sql_name(created.back()) + " (squatter INTEGER); INSERT INTO " +
                      sql_name(created.back()) + " VALUES (1)"),
              "");
    columns_before_ = columns_of(db);
    rows_before_ = contents_of(db, columns_before_);
    shape_before_ = shape_of(db);
    return created.back();
  }

  /// Opening fails naming `failing` and `squatted`, and the database is exactly as it was.
  void expect_refused_and_untouched(int failing, const std::string& squatted) {
    std::string error;
    EXPECT_EQ(sqlite_lead_store::open(options_for(path_), &error), nullptr);
    EXPECT_NE(error.find("migration " + std::to_string(failing) + ":"), std::string::npos) << error;
    EXPECT_NE(error.find(squatted), std::string::npos) << error;
    EXPECT_NE(error.find("already"), std::string::npos) << error;
    raw_db db(path_);
    EXPECT_EQ(migration_log(db), log_before_) << "schema_migrations changed";
    expect_same_shape(shape_of(db), shape_before_);
    EXPECT_EQ(contents_of(db, columns_before_), rows_before_);
  }

  /// Once the squatter is gone, the same database migrates to the latest version.
  void expect_migrates_once_unblocked(const std::string& squatted) {
    {
      raw_db db(path_);
      ASSERT_EQ(db.exec("DROP TABLE " + sql_name(squatted)), "");
    }
    ASSERT_TRUE(open_store());
    raw_db db(path_);
    expect_migration_log(db, version_, start_us_);
  }
};

TEST_P(FailingMigration, NextMigrationRollsBackToThePreviousVersion) {
  int failing = version_ + 1;
  auto squatted = squat_last_object_of(failing);
  if (squatted.empty()) GTEST_SKIP() << "migration " << failing << " creates nothing to collide with";
  expect_refused_and_untouched(failing, squatted);
  expect_migrates_once_unblocked(squatted);
}

TEST_P(FailingMigration, LastMigrationRollsBackEveryMigrationBeforeIt) {
  // Migrations version_+1 .. latest-1 succeed in the same transaction first.
  int failing = latest_version();
  auto squatted = squat_last_object_of(failing);
  if (squatted.empty()) GTEST_SKIP() << "migration " << failing << " creates nothing to collide with";
  expect_refused_and_untouched(failing, squatted);
  expect_migrates_once_unblocked(squatted);
}

INSTANTIATE_TEST_SUITE_P(Migrations, FailingMigration, ::testing::Range(0, latest_version()), version_name);

// -- a database from a newer build --------------------------------------------------

TEST(Migrations, NewerSchemaIsRefusedAndLeftUntouched) {
  scratch_dir dir;
  auto path = dir.file("ringbid.db");
  const int newer = latest_version() + 1;
  seeded_rows seeded;
  {
    raw_db db(path);
    ASSERT_NO_FATAL_FAILURE(build_at_version(db, latest_version()));
    ASSERT_NO_FATAL_FAILURE(seed(db, seeded));
    // What a newer build would have added: a table and its log row.
    ASSERT_EQ(db.exec("CREATE TABLE from_the_future (x INTEGER NOT NULL); INSERT INTO from_the_future VALUES (1);"
                      "INSERT INTO schema_migrations (version, applied_at) VALUES (" +
                      sql_int(newer) + ", " + sql_int(seeded_applied_at_us(newer)) + ")"),
              "");
  }
  raw_db db(path);
  auto log = migration_log(db);
  auto shape = shape_of(db);
  auto columns = columns_of(db);
  auto rows = contents_of(db, columns);
  auto expect_refusal = [&](const std::string& error) {
    EXPECT_NE(error.find("schema version " + std::to_string(newer) + " is newer than this build's " +
                         std::to_string(latest_version())),
              std::string::npos)
      << error;
  };
  std::string error;
  EXPECT_EQ(open_migrated_writer(path, true, busy_timeout_ms, &error), nullptr);
  expect_refusal(error);
  EXPECT_NE(error.find(path), std::string::npos) << "the message names the file: " << error;
  error.clear();
  EXPECT_EQ(did_store::open(path, &error), nullptr);
  expect_refusal(error);
  error.clear();
  EXPECT_EQ(sqlite_cap_journal::open(options_for(path), &error), nullptr);
  expect_refusal(error);
  error.clear();
  int changes_before = db.total_changes();
  EXPECT_FALSE(apply_lead_store_migrations(db.get(), &error));
  expect_refusal(error);
  EXPECT_EQ(db.total_changes(), changes_before);
  EXPECT_EQ(migration_log(db), log);
  expect_same_shape(shape_of(db), shape);
  EXPECT_EQ(contents_of(db, columns), rows);
  EXPECT_EQ(db.integer("SELECT count(*) FROM from_the_future"), 1);
}

} // namespace
} // namespace ringbid
