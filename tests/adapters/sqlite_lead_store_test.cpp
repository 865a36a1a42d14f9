// The SQLite lead store and reader against real database files in a temp dir.

#include "adapters/sqlite/caf_blob.hpp"
#include "adapters/sqlite/sqlite_lead_reader.hpp"
#include "adapters/sqlite/sqlite_lead_store.hpp"
#include "adapters/sqlite/sqlite_live_calls.hpp"
#include "adapters/sqlite/sqlite_migrations.hpp"
#include "tests/support/lead_compare.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include <unistd.h>

#ifndef RINGBID_SOURCE_DIR
#error "define RINGBID_SOURCE_DIR as the source tree's path (the migration test reads schemas/sql)"
#endif

namespace ringbid {
namespace {

using test::expect_same_lead;

namespace fs = std::filesystem;

constexpr int64_t base_ms = 1'763'700'000'000; // late 2025

uuid lead_id(uint64_t n, uint16_t stream = 0) { return make_uuid7(base_ms + static_cast<int64_t>(n), stream, n); }

/// A lead with every field set; varies with `n`.
lead_record make_lead(uint64_t n, uint16_t stream = 0) {
  lead_record x;
  auto i = static_cast<int64_t>(n);
  x.id = lead_id(n, stream);
  x.carrier_call_id = "v3:carrier-" + std::to_string(n);
  x.did = "+18005550100";
  x.caller = "+1212555" + std::to_string(1000 + n % 9000);
  x.campaign_id = "camp-" + std::to_string(n % 3);
  x.source_id = "pub-" + std::to_string(n % 5);
  x.buyer_id = "buyer-" + std::to_string(n % 7);
  x.destination = "sip:buyer@example.com";
  x.outcome = disposition::bridged;
  x.ended_in = call_state::bridged;
  x.started_at = base_ms * 1000 + i;
  x.answered_at = x.started_at + 200'000;
  x.bridged_at = x.started_at + 9'000'000;
  x.ended_at = x.started_at + 120'000'000;
  x.hold_ms = 4000;
  x.talk_ms = 111'000;
  x.bid_micros = 12'500'000;
  x.price_micros = 12'500'000;
  x.revenue_micros = 12'500'000;
  x.payout_micros = 8'000'000;
  x.auction_rounds = 1;
  x.transfer_attempts = 1;
  x.auction_latency_us = 1800;
  x.cause = hangup_cause::normal_clearing;
  x.source = hangup_source::caller;
  x.recording_url = "https://rec.example.com/" + std::to_string(n) + ".mp3";
  x.journal = {{x.started_at, call_state::greeting, "answered"},
               {x.started_at + 5'000'000, call_state::hold, ""},
               {x.started_at + 6'000'000, call_state::auction, "3 pings"},
               {x.bridged_at, call_state::bridged, "buyer-x"},
               {x.ended_at, call_state::done, "caller hung up"}};
  return x;
}

/// A raw connection for checks the adapters do not expose.
class raw_db {
public:
  explicit raw_db(const std::string& path) { sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr); }
  ~raw_db() { sqlite3_close_v2(db_); }
  raw_db(const raw_db&) = delete;
  raw_db& operator=(const raw_db&) = delete;

  int64_t integer(const std::string& sql) const {
    sqlite3_stmt* s = nullptr;
    int64_t value = -1;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
      value = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return value;
  }
  std::string text(const std::string& sql) const {
    sqlite3_stmt* s = nullptr;
    std::string value = "<error>";
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
      value = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    return value;
  }
  int exec(const char* sql) { return sqlite3_exec(db_, sql, nullptr, nullptr, nullptr); }

private:
  sqlite3* db_ = nullptr;
};

class SqliteLeadStore : public ::testing::Test {
protected:
  void SetUp() override {
    char pattern[] = "/tmp/ringbid-sqlite-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    path_ = (dir_ / "data" / "leads.db").string(); // parent does not exist yet
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::unique_ptr<sqlite_lead_store> open_store(sqlite_options options = {}) {
    options.path = options.path.empty() ? path_ : options.path;
    std::string error;
    auto store = sqlite_lead_store::open(options, &error);
    EXPECT_NE(store, nullptr) << error;
    return store;
  }
  std::unique_ptr<sqlite_lead_reader> open_reader() {
    std::string error;
    auto reader = sqlite_lead_reader::open(path_, &error);
    EXPECT_NE(reader, nullptr) << error;
    return reader;
  }

  fs::path dir_;
  std::string path_;
};

TEST_F(SqliteLeadStore, RoundTripsEveryFieldAndTheJournal) {
  auto lead = make_lead(42);
  lead.outcome = disposition::buyer_no_answer;
  lead.ended_in = call_state::ending;
  lead.cause = hangup_cause::user_busy;
  lead.source = hangup_source::callee;
  lead.auction_rounds = 3;
  lead.transfer_attempts = 2;
  lead.bid_micros = -1; // stored as given, even if odd
  lead.journal[1].note = "naïve ünïcode, 'quotes' and \"doubles\"";
  lead.caller_state = "TX";
  lead.area_code = "512";
  lead.converted = true;
  lead.billing_note = "tier ≥60 s";
  lead.caller_hash = std::string(64, 'a');
  lead.tags = {"spanish", "tv"};
  lead.ivr = {{"zip", "78701"}, {"say \"yes\"", "1\n2"}};
  auction_record round;
  round.round = 1;
  round.strategy = "auction";
  round.clearing = "second_price";
  round.winner = "b2";
  round.clearing_price_micros = 15'010'000;
  round.entries.push_back(
    auction_entry{"b1", bidder_verdict::skipped, "closed: Christmas (2026-12-25)", 0, 0, -1, -1, 0, false});
  round.entries.push_back(
    auction_entry{"b2", bidder_verdict::won, "highest valid bid", 20'000'000, 15'010'000, 90'000, 85'000, 1, false});
  round.entries.push_back(
    auction_entry{"f", bidder_verdict::ranked, "outbid", 12'000'000, 12'000'000, -1, -1, 2, true});
  lead.auctions.push_back(round);
  auto store = open_store();
  ASSERT_TRUE(store);
  store->submit(lead);
  store->flush();
  EXPECT_EQ(store->committed(), 1u);
  auto reader = open_reader();
  ASSERT_TRUE(reader);
  auto back = reader->find(lead.id);
  ASSERT_TRUE(back.has_value());
  expect_same_lead(*back, lead);
  EXPECT_FALSE(reader->find(lead_id(43)).has_value());
  raw_db raw(path_);
  EXPECT_EQ(raw.text("SELECT id_text FROM leads"), lead.id.to_string());
  EXPECT_EQ(raw.text("SELECT lower(hex(id)) FROM leads"),
            raw.text("SELECT replace(id_text, '-', '') FROM leads")); // big-endian hi, lo
  EXPECT_EQ(raw.text("SELECT outcome || '/' || ended_in || '/' || hangup_cause || '/' || hangup_source "
                     "FROM leads"),
            "buyer_no_answer/ending/user_busy/callee");
}

TEST_F(SqliteLeadStore, ResubmittingAnIdIsANoOp) {
  auto lead = make_lead(7);
  auto changed = lead;
  changed.revenue_micros = 1;
  changed.journal.push_back({lead.ended_at + 1, call_state::done, "again"});
  {
    auto store = open_store();
    ASSERT_TRUE(store);
    store->submit(lead);
    store->submit(changed); // same batch
    store->flush();
    store->submit(lead); // a later batch
    store->flush();
    EXPECT_EQ(store->committed(), 1u);
    EXPECT_EQ(store->duplicates(), 2u);
  }
  {
    auto store = open_store(); // and after a restart
    ASSERT_TRUE(store);
    store->submit(changed);
    store->flush();
    EXPECT_EQ(store->committed(), 0u);
    EXPECT_EQ(store->duplicates(), 1u);
  }
  auto reader = open_reader();
  ASSERT_TRUE(reader);
  EXPECT_EQ(reader->count(), 1u);
  EXPECT_EQ(reader->count_duplicate_ids(), 0u);
  expect_same_lead(*reader->find(lead.id), lead);
  raw_db raw(path_);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM call_events"), static_cast<int64_t>(lead.journal.size()));
}

TEST_F(SqliteLeadStore, CommitsTwentyThousandLeadsFromTwoThreads) {
  constexpr uint64_t per_thread = 10'000;
  auto store = open_store();
  ASSERT_TRUE(store);
  auto reader = open_reader();
  ASSERT_TRUE(reader);
  std::vector<lead_record> leads[2];
  for (uint16_t t = 0; t < 2; ++t)
    for (uint64_t n = 0; n < per_thread; ++n) leads[t].push_back(make_lead(n, t));
  auto start = std::chrono::steady_clock::now();
  auto producer = [&](uint16_t t) {
    for (uint64_t n = 0; n < per_thread; ++n) {
      store->submit(leads[t][n]);
      if (n == per_thread / 2) {
        store->flush(); // everything this thread submitted so far is now readable
        EXPECT_TRUE(reader->find(leads[t][n].id).has_value());
        EXPECT_TRUE(reader->find(leads[t][0].id).has_value());
      }
    }
  };
  std::thread a(producer, uint16_t{0}), b(producer, uint16_t{1});
  a.join();
  b.join();
  store->flush();
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(store->committed(), 2 * per_thread);
  EXPECT_EQ(reader->count(), 2 * per_thread);
  EXPECT_EQ(reader->count_duplicate_ids(), 0u);
  raw_db raw(path_);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM call_events"), static_cast<int64_t>(2 * per_thread * 5));
  expect_same_lead(*reader->find(leads[1][per_thread - 1].id), leads[1][per_thread - 1]);
  std::printf("[ perf     ] %llu leads (+%llu journal rows) in %.3f s: %.0f leads/s\n",
              static_cast<unsigned long long>(2 * per_thread), static_cast<unsigned long long>(10 * per_thread),
              seconds, static_cast<double>(2 * per_thread) / seconds);
}

TEST_F(SqliteLeadStore, DestructorDrainsTheQueueWithoutFlush) {
  {
    sqlite_options options;
    options.batch_max = 100;
    options.batch_interval_ms = 50;
    auto store = open_store(options);
    ASSERT_TRUE(store);
    for (uint64_t n = 0; n < 3000; ++n) store->submit(make_lead(n));
  }
  auto reader = open_reader();
  ASSERT_TRUE(reader);
  EXPECT_EQ(reader->count(), 3000u);
}

TEST_F(SqliteLeadStore, RecordsMigrationsAndAppliesThemOnce) {
  auto migrations = lead_store_migrations();
  int64_t applied_at = 0;
  {
    auto store = open_store();
    ASSERT_TRUE(store);
    raw_db raw(path_);
    EXPECT_EQ(raw.integer("SELECT count(*) FROM schema_migrations"), static_cast<int64_t>(migrations.size()));
    EXPECT_EQ(raw.integer("SELECT max(version) FROM schema_migrations"), migrations.back().version);
    applied_at = raw.integer("SELECT applied_at FROM schema_migrations WHERE version = 1");
    EXPECT_GT(applied_at, base_ms * 1000 - 86'400'000'000); // microseconds, recent
    EXPECT_EQ(raw.text("PRAGMA journal_mode"), "wal");
  }
  auto store = open_store(); // a second open must not re-run (it would fail: tables exist)
  ASSERT_TRUE(store);
  raw_db raw(path_);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM schema_migrations"), static_cast<int64_t>(migrations.size()));
  EXPECT_EQ(raw.integer("SELECT applied_at FROM schema_migrations WHERE version = 1"), applied_at);
  store.reset();
  // A schema from a newer build is refused rather than written to.
  ASSERT_EQ(raw.exec("INSERT INTO schema_migrations VALUES (9999, 0)"), SQLITE_OK);
  std::string error;
  sqlite_options options;
  options.path = path_;
  EXPECT_EQ(sqlite_lead_store::open(options, &error), nullptr);
  EXPECT_NE(error.find("newer than this build"), std::string::npos) << error;
}

TEST(SqliteMigrations, EmbeddedTextEqualsTheSqlFiles) {
  auto migrations = lead_store_migrations();
  ASSERT_FALSE(migrations.empty());
  for (size_t i = 0; i < migrations.size(); ++i)
    EXPECT_EQ(migrations[i].version, static_cast<int>(i + 1)) << "versions must be 1, 2, 3...";
  std::map<int, std::string> files; // version -> contents
  for (const auto& entry : fs::directory_iterator(fs::path(RINGBID_SOURCE_DIR) / "schemas" / "sql")) {
    if (entry.path().extension() != ".sql") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    files[std::stoi(entry.path().filename().string().substr(0, 4))] = text.str();
  }
  ASSERT_EQ(files.size(), migrations.size()) << "every schemas/sql file must be embedded, and vice versa";
  for (const auto& m : migrations) {
    ASSERT_TRUE(files.count(m.version)) << "no schemas/sql file for version " << m.version;
    EXPECT_EQ(std::string(m.sql), files[m.version]) << "migration " << m.version << " drifted";
  }
}

lead_record outcome_lead(uint64_t n, disposition outcome, const char* buyer, int64_t hold, int64_t talk, int64_t bid,
                         int64_t revenue, int64_t payout, int64_t latency) {
  auto x = make_lead(n);
  x.outcome = outcome;
  x.buyer_id = buyer;
  x.hold_ms = hold;
  x.talk_ms = talk;
  x.bid_micros = bid;
  x.revenue_micros = revenue;
  x.payout_micros = payout;
  x.auction_latency_us = latency;
  return x;
}

TEST_F(SqliteLeadStore, SummarizesCountsMoneyAndLatency) {
  using d = disposition;
  {
    auto store = open_store();
    ASSERT_TRUE(store);
    store->submit(outcome_lead(1, d::bridged, "b2", 1000, 60'000, 5'000'000, 5'000'000, 3'000'000, 100));
    store->submit(outcome_lead(2, d::bridged, "b1", 0, 30'000, 7'000'000, 7'000'000, 4'000'000, 300));
    store->submit(outcome_lead(3, d::bridged, "b2", 2000, 90'000, 6'000'000, 6'000'000, 3'500'000, 200));
    store->submit(outcome_lead(4, d::no_buyer, "", 4000, 0, 0, 0, 0, 400));
    store->submit(outcome_lead(5, d::buyer_no_answer, "", 3000, 0, 8'000'000, 0, 0, 500));
    store->submit(outcome_lead(6, d::abandoned, "", 0, 0, 0, 0, 0, -1));
    store->submit(outcome_lead(7, d::unknown_number, "", 0, 0, 0, 0, 0, -1));
    store->submit(outcome_lead(8, d::failed, "", 0, 0, 0, 0, 0, -1));
    store->submit(outcome_lead(9, d::interrupted, "", 500, 0, 0, 0, 0, 250));
    store->submit(outcome_lead(10, d::in_progress, "", 0, 0, 0, 0, 0, -1));
  }
  auto reader = open_reader();
  ASSERT_TRUE(reader);
  auto s = reader->summarize();
  EXPECT_EQ(s.leads, 10u);
  EXPECT_EQ(s.bridged, 3u);
  EXPECT_EQ(s.no_buyer, 1u);
  EXPECT_EQ(s.buyer_no_answer, 1u);
  EXPECT_EQ(s.abandoned, 1u);
  EXPECT_EQ(s.unknown_number, 1u);
  EXPECT_EQ(s.failed, 1u);
  EXPECT_EQ(s.interrupted, 1u);
  EXPECT_EQ(s.in_progress, 1u);
  EXPECT_DOUBLE_EQ(s.mean_talk_ms, 60'000.0);       // (60+30+90)k / 3 bridged
  EXPECT_DOUBLE_EQ(s.mean_hold_ms, 10'500.0 / 6.0); // hold > 0 or bridged: 6 calls
  EXPECT_EQ(s.revenue_micros, 18'000'000);
  EXPECT_EQ(s.payout_micros, 10'500'000);
  EXPECT_EQ(s.bid_sum_bridged_micros, 18'000'000); // not lead 5's 8.0
  EXPECT_EQ(s.auction_latency_p50_us, 250);        // of 100 200 250 300 400 500: rank 3
  EXPECT_EQ(s.auction_latency_p99_us, 500);        // rank ceil(5.94) = 6
  ASSERT_EQ(s.wins.size(), 2u);
  EXPECT_EQ(s.wins[0].buyer_id, "b1");
  EXPECT_EQ(s.wins[0].wins, 1u);
  EXPECT_EQ(s.wins[0].revenue_micros, 7'000'000);
  EXPECT_EQ(s.wins[1].buyer_id, "b2");
  EXPECT_EQ(s.wins[1].wins, 2u);
  EXPECT_EQ(s.wins[1].revenue_micros, 11'000'000);
}

TEST_F(SqliteLeadStore, PercentilesUseNearestRank) {
  auto store = open_store();
  ASSERT_TRUE(store);
  auto reader = open_reader();
  ASSERT_TRUE(reader);
  auto empty = reader->summarize();
  EXPECT_EQ(empty.leads, 0u);
  EXPECT_EQ(empty.auction_latency_p50_us, -1);
  EXPECT_EQ(empty.auction_latency_p99_us, -1);
  EXPECT_EQ(empty.mean_talk_ms, 0.0);
  EXPECT_TRUE(empty.wins.empty());
  store->submit(outcome_lead(1000, disposition::no_buyer, "", 0, 0, 0, 0, 0, 1000));
  store->flush();
  auto one = reader->summarize();
  EXPECT_EQ(one.auction_latency_p50_us, 1000);
  EXPECT_EQ(one.auction_latency_p99_us, 1000);
  for (uint64_t n = 99; n >= 1; --n) // 1..99, submitted in reverse
    store->submit(outcome_lead(n, disposition::no_buyer, "", 0, 0, 0, 0, 0, static_cast<int64_t>(n)));
  store->flush();
  auto many = reader->summarize();            // 1..99 and 1000: 100 values
  EXPECT_EQ(many.auction_latency_p50_us, 50); // rank ceil(0.50 * 100) = 50
  EXPECT_EQ(many.auction_latency_p99_us, 99); // rank 99; the maximum (1000) is rank 100
}

TEST_F(SqliteLeadStore, OpenFailsWithAMessage) {
  std::string error;
  { std::ofstream(dir_ / "plain-file") << "x"; }
  sqlite_options under_file;
  under_file.path = (dir_ / "plain-file" / "sub" / "leads.db").string();
  EXPECT_EQ(sqlite_lead_store::open(under_file, &error), nullptr);
  EXPECT_NE(error.find("cannot create directory"), std::string::npos) << error;

  error.clear();
  sqlite_options in_proc; // not creatable, even for root
  in_proc.path = "/proc/ringbid-no-such-dir/leads.db";
  EXPECT_EQ(sqlite_lead_store::open(in_proc, &error), nullptr);
  EXPECT_NE(error.find("cannot create directory"), std::string::npos) << error;

  if (geteuid() != 0) { // permissions do not stop root
    error.clear();
    fs::create_directory(dir_ / "locked");
    fs::permissions(dir_ / "locked", fs::perms::owner_read | fs::perms::owner_exec);
    sqlite_options read_only_dir;
    read_only_dir.path = (dir_ / "locked" / "leads.db").string();
    EXPECT_EQ(sqlite_lead_store::open(read_only_dir, &error), nullptr);
    EXPECT_FALSE(error.empty());
    fs::permissions(dir_ / "locked", fs::perms::owner_all);
  }

  error.clear();
  sqlite_options a_directory;
  a_directory.path = dir_.string();
  EXPECT_EQ(sqlite_lead_store::open(a_directory, &error), nullptr);
  EXPECT_FALSE(error.empty());

  error.clear();
  { std::ofstream(dir_ / "corrupt.db") << std::string(8192, 'Z'); }
  sqlite_options corrupt;
  corrupt.path = (dir_ / "corrupt.db").string();
  EXPECT_EQ(sqlite_lead_store::open(corrupt, &error), nullptr);
  EXPECT_NE(error.find("not a database"), std::string::npos) << error;

  error.clear();
  EXPECT_EQ(sqlite_lead_store::open(sqlite_options{}, &error), nullptr);
  EXPECT_FALSE(error.empty());
  EXPECT_EQ(sqlite_lead_store::open(under_file, nullptr), nullptr); // error is optional

  error.clear();
  EXPECT_EQ(sqlite_lead_reader::open((dir_ / "missing.db").string(), &error), nullptr);
  EXPECT_FALSE(error.empty());
  error.clear();
  EXPECT_EQ(sqlite_lead_reader::open(corrupt.path, &error), nullptr);
  EXPECT_FALSE(error.empty());
  error.clear();
  sqlite3* db = nullptr;
  sqlite3_open((dir_ / "other.db").string().c_str(), &db);
  sqlite3_exec(db, "CREATE TABLE t(x)", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  EXPECT_EQ(sqlite_lead_reader::open((dir_ / "other.db").string(), &error), nullptr);
  EXPECT_NE(error.find("not a lead store"), std::string::npos) << error;
}

TEST_F(SqliteLeadStore, KeepsAndRetriesABatchWhileWritesFail) {
  sqlite_options options;
  options.busy_timeout_ms = 1; // fail fast while another connection holds the write lock
  auto store = open_store(options);
  ASSERT_TRUE(store);
  raw_db blocker(path_);
  ASSERT_EQ(blocker.exec("BEGIN IMMEDIATE"), SQLITE_OK);
  testing::internal::CaptureStderr();
  for (uint64_t n = 0; n < 10; ++n) store->submit(make_lead(n));
  std::this_thread::sleep_for(std::chrono::milliseconds(300)); // several failed attempts
  EXPECT_EQ(store->committed(), 0u);
  ASSERT_EQ(blocker.exec("COMMIT"), SQLITE_OK);
  store->flush();
  auto log = testing::internal::GetCapturedStderr();
  EXPECT_EQ(store->committed(), 10u);
  auto failures = 0;
  for (auto at = log.find("failed, will retry"); at != std::string::npos; at = log.find("failed, will retry", at + 1))
    ++failures;
  EXPECT_EQ(failures, 1) << "one line per failure kind:\n" << log;
  EXPECT_NE(log.find("recovered"), std::string::npos) << log;
}

TEST_F(SqliteLeadStore, GivesUpLoudlyOnlyWhenClosingAfterTheRetryDeadline) {
  sqlite_options options;
  options.busy_timeout_ms = 1;
  options.shutdown_retry_ms = 200;
  auto store = open_store(options);
  ASSERT_TRUE(store);
  raw_db blocker(path_);
  ASSERT_EQ(blocker.exec("BEGIN IMMEDIATE"), SQLITE_OK);
  testing::internal::CaptureStderr();
  auto lead = make_lead(5);
  store->submit(lead);
  auto start = std::chrono::steady_clock::now();
  store.reset();
  auto waited = std::chrono::steady_clock::now() - start;
  auto log = testing::internal::GetCapturedStderr();
  EXPECT_GE(waited, std::chrono::milliseconds(150));
  EXPECT_LT(waited, std::chrono::seconds(5));
  EXPECT_NE(log.find("giving up on 1 unwritten leads"), std::string::npos) << log;
  EXPECT_NE(log.find(lead.id.to_string()), std::string::npos) << log; // the lost id is named
}

// -- live calls and crash recovery ------------------------------------------------

/// The lead `make_lead(n)` would be while still live: interrupted in `state`,
/// with a journal of `entries` entries (the version that orders updates).
lead_record provisional(uint64_t n, call_state state, size_t entries) {
  auto lead = make_lead(n);
  lead.outcome = disposition::interrupted;
  lead.ended_in = state;
  lead.journal.resize(entries);
  return lead;
}

TEST_F(SqliteLeadStore, ALiveCallKeepsItsNewestStateUntilItsLeadIsStored) {
  auto store = open_store();
  ASSERT_TRUE(store);
  raw_db raw(path_);
  store->track(provisional(1, call_state::hold, 2), call_state::hold);
  store->track(provisional(1, call_state::auction, 3), call_state::auction);
  store->track(provisional(1, call_state::hold, 2), call_state::hold); // late, older: ignored
  store->flush();
  EXPECT_EQ(raw.text("SELECT state || '/' || version FROM live_calls"), "auction/3");
  store->track(provisional(1, call_state::hold, 2), call_state::hold); // older, in a batch of its own
  store->flush();
  EXPECT_EQ(raw.text("SELECT state || '/' || version FROM live_calls"), "auction/3");
  EXPECT_EQ(raw.text("SELECT campaign_id FROM live_calls"), make_lead(1).campaign_id);
  store->submit(make_lead(1));
  store->flush();
  EXPECT_EQ(raw.integer("SELECT count(*) FROM live_calls"), 0) << "the lead ends the call's live row";
  store->track(provisional(1, call_state::bridged, 4), call_state::bridged); // after its lead: stale
  store->flush();
  EXPECT_EQ(raw.integer("SELECT count(*) FROM live_calls"), 0);
  EXPECT_EQ(store->committed(), 1u);
}

carrier_event initiated(const std::string& carrier_call_id) {
  carrier_event ev;
  ev.kind = carrier_event_kind::initiated;
  ev.carrier_call_id = carrier_call_id;
  ev.from = "+12125550199";
  ev.to = "+18005550100";
  return ev;
}

carrier_event event_of(const std::string& carrier_call_id, carrier_event_kind kind) {
  carrier_event ev;
  ev.kind = kind;
  ev.carrier_call_id = carrier_call_id;
  ev.occurred_at = base_ms * 1000 + 5;
  return ev;
}

TEST_F(SqliteLeadStore, ANotedStartIsDurableBeforeItsCallbackAndIsOneCallPerCarrierId) {
  auto store = open_store();
  ASSERT_TRUE(store);
  std::atomic<int> durable{0};
  int64_t rows_when_durable = -1;
  bool first_noted = false;
  store->note_call_started(initiated("v3:carrier-5"), lead_id(5), base_ms * 1000, [&](bool noted) {
    raw_db raw(path_);
    rows_when_durable = raw.integer("SELECT count(*) FROM live_calls");
    first_noted = noted;
    durable++;
  });
  store->flush();
  EXPECT_EQ(durable.load(), 1);
  EXPECT_TRUE(first_noted);
  EXPECT_EQ(rows_when_durable, 1) << "committed before the callback";
  raw_db raw(path_);
  EXPECT_EQ(
    raw.text("SELECT lower(hex(call_id)) = lower(replace('" + lead_id(5).to_string() + "', '-', '')) FROM live_calls"),
    "1")
    << "the call's id is durable with its start";
  std::atomic<int> again{-1};
  store->note_call_started(initiated("v3:carrier-5"), lead_id(6), base_ms * 1000, [&](bool noted) { again = noted; });
  store->flush();
  EXPECT_EQ(again.load(), 0) << "a re-delivered start of a live call is not a new call";
  // Once the call's lead is stored, its start noted again (a new data.id) is not a new call either.
  store->submit(make_lead(5));
  store->flush();
  EXPECT_EQ(raw.integer("SELECT count(*) FROM live_calls"), 0);
  std::atomic<int> after{-1};
  store->note_call_started(initiated(make_lead(5).carrier_call_id), lead_id(7), make_lead(5).started_at,
                           [&](bool noted) { after = noted; });
  store->flush();
  EXPECT_EQ(after.load(), 0);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM live_calls"), 0);
}

TEST_F(SqliteLeadStore, EventsOfLiveCallsAreKeptOnceAndGoWithTheLead) {
  auto store = open_store();
  ASSERT_TRUE(store);
  store->note_call_started(initiated(make_lead(3).carrier_call_id), lead_id(3), base_ms * 1000, [](bool) {});
  std::vector<event_keeping> kept(4);
  store->keep_event(event_of(make_lead(3).carrier_call_id, carrier_event_kind::answered), "ev-1",
                    [&](event_keeping k) { kept[0] = k; });
  store->keep_event(event_of(make_lead(3).carrier_call_id, carrier_event_kind::answered), "ev-1",
                    [&](event_keeping k) { kept[1] = k; });
  store->keep_event(event_of("v3:not-live", carrier_event_kind::hangup), "ev-2", [&](event_keeping k) { kept[2] = k; });
  store->keep_event(event_of(make_lead(3).carrier_call_id, carrier_event_kind::speak_ended), "ev-3",
                    [&](event_keeping k) { kept[3] = k; });
  store->flush();
  EXPECT_GT(kept[0].seq, 0u);
  EXPECT_TRUE(kept[1].duplicate) << "the same carrier event id is kept once";
  EXPECT_TRUE(kept[2].call_not_live());
  EXPECT_GT(kept[3].seq, kept[0].seq) << "in the order received";
  raw_db raw(path_);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM call_inbox"), 2);
  store->submit(make_lead(3));
  store->flush();
  EXPECT_EQ(raw.integer("SELECT count(*) FROM call_inbox"), 0) << "the lead ends what is kept for the call";
}

TEST_F(SqliteLeadStore, ALiveCallIsReadBackWithItsStateAndTheEventsItHadNotHandled) {
  auto carrier_id = make_lead(4).carrier_call_id;
  {
    auto store = open_store();
    ASSERT_TRUE(store);
    EXPECT_EQ(store->claim_live_calls("node-a"), 1u);
    store->note_call_started(initiated(carrier_id), lead_id(4), base_ms * 1000, [](bool) {});
    store->note_call_started(initiated("v3:only-started"), lead_id(8), base_ms * 1000 + 9, [](bool) {});
    std::vector<uint64_t> seqs(3);
    auto kinds = {carrier_event_kind::answered, carrier_event_kind::speak_ended, carrier_event_kind::bridged};
    size_t i = 0;
    for (auto kind : kinds) {
      auto n = i++;
      store->keep_event(event_of(carrier_id, kind), "ev-" + std::to_string(n),
                        [&seqs, n](event_keeping k) { seqs[n] = k.seq; });
    }
    store->flush();
    call_snapshot snap;
    snap.id = lead_id(4);
    snap.carrier_call_id = carrier_id;
    snap.state = call_state::hold;
    snap.applied_events = {seqs[0], seqs[1]}; // handled the first two
    snap.commands_sent = 3;
    snap.timer_due[static_cast<size_t>(timer_kind::max_hold)] = base_ms * 1000 + 90'000'000;
    store->checkpoint(snap, provisional(4, call_state::hold, 3));
  } // the process dies (its queue was committed)
  std::string error;
  uint64_t undecodable = 9;
  auto live = load_live_calls(path_, &error, &undecodable);
  EXPECT_EQ(error, "");
  EXPECT_EQ(undecodable, 0u);
  ASSERT_EQ(live.size(), 2u);
  const auto& call = live[0].carrier_call_id == carrier_id ? live[0] : live[1];
  const auto& bare = live[0].carrier_call_id == carrier_id ? live[1] : live[0];
  ASSERT_TRUE(call.has_snapshot);
  EXPECT_EQ(call.snapshot.state, call_state::hold);
  EXPECT_EQ(call.snapshot.commands_sent, 3u);
  EXPECT_EQ(call.snapshot.timer_due[static_cast<size_t>(timer_kind::max_hold)], base_ms * 1000 + 90'000'000);
  EXPECT_EQ(call.provisional.id, lead_id(4));
  ASSERT_EQ(call.pending.size(), 1u) << "only the event the snapshot had not handled";
  EXPECT_EQ(call.pending[0].kind, carrier_event_kind::bridged);
  EXPECT_GT(call.pending[0].journal_seq, 0u);
  EXPECT_FALSE(bare.has_snapshot);
  EXPECT_EQ(bare.id, lead_id(8)) << "a call only started is known by the id it was noted under";
  EXPECT_EQ(bare.did, "+18005550100");
  EXPECT_EQ(bare.caller, "+12125550199");
  EXPECT_EQ(bare.started_at, base_ms * 1000 + 9);
}

TEST_F(SqliteLeadStore, ANewerIncarnationFencesOffTheOlderOnesWrites) {
  auto old_owner = open_store();
  ASSERT_TRUE(old_owner);
  EXPECT_EQ(old_owner->claim_live_calls("node-a"), 1u);
  old_owner->track(provisional(1, call_state::hold, 2), call_state::hold);
  old_owner->flush();
  {
    auto new_owner = open_store();
    ASSERT_TRUE(new_owner);
    EXPECT_EQ(new_owner->claim_live_calls("node-a"), 2u) << "each start is the next incarnation";
    EXPECT_EQ(new_owner->incarnation(), 2u);
    new_owner->track(provisional(1, call_state::bridged, 4), call_state::bridged);
    new_owner->flush();
  }
  old_owner->track(provisional(1, call_state::auction, 9), call_state::auction); // late, and no longer its call
  old_owner->flush();
  raw_db raw(path_);
  EXPECT_EQ(raw.text("SELECT state FROM live_calls"), "bridged");
  EXPECT_EQ(raw.integer("SELECT incarnation FROM live_calls"), 2);
  EXPECT_EQ(raw.text("SELECT owner FROM live_calls"), "node-a");
}

TEST_F(SqliteLeadStore, CommitsAreReportedWithEveryLeadIdDuplicatesIncluded) {
  sqlite_options options;
  options.notify_commits = true;
  auto store = open_store(options);
  ASSERT_TRUE(store);
  EXPECT_TRUE(store->notifies_commits());
  std::mutex mutex;
  std::vector<call_id> reported;
  store->on_committed([&](std::vector<call_id> ids) {
    std::lock_guard lock(mutex);
    reported.insert(reported.end(), ids.begin(), ids.end());
  });
  store->submit(make_lead(1));
  store->track(provisional(2, call_state::hold, 2), call_state::hold); // not a lead: not reported
  store->submit(make_lead(1));
  store->submit(make_lead(3));
  store->flush();
  store->on_committed({});
  std::lock_guard lock(mutex);
  EXPECT_EQ(reported, (std::vector<call_id>{lead_id(1), lead_id(1), lead_id(3)}));
}

TEST(CafBlob, SnapshotsAndLeadsOfTheBuildBeforeRevisionsStillDecode) {
  call_snapshot snap;
  snap.carrier_call_id = "v3:old";
  snap.campaign_id = "c1";
  snap.config_revision = 0;
  auto blob = sqlite::encode_blob(snap);
  ASSERT_GT(blob.size(), sizeof(int64_t));
  // The previous build wrote the same bytes without the trailing revision.
  blob.resize(blob.size() - sizeof(int64_t));
  auto old = sqlite::decode_snapshot_blob(blob.data(), blob.size());
  ASSERT_TRUE(old.has_value());
  EXPECT_EQ(old->carrier_call_id, "v3:old");
  EXPECT_EQ(old->config_revision, 0);
  snap.config_revision = 42;
  auto now = sqlite::encode_blob(snap);
  auto decoded = sqlite::decode_snapshot_blob(now.data(), now.size());
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->config_revision, 42);

  lead_record lead;
  lead.campaign_id = "c1";
  lead.config_revision = 7;
  auto lead_blob = sqlite::encode_blob(lead);
  EXPECT_EQ(sqlite::decode_lead_blob(lead_blob.data(), lead_blob.size())->config_revision, 7);
  lead_blob.resize(lead_blob.size() - sizeof(int64_t));
  auto old_lead = sqlite::decode_lead_blob(lead_blob.data(), lead_blob.size());
  ASSERT_TRUE(old_lead.has_value());
  EXPECT_EQ(old_lead->campaign_id, "c1");
  // Garbage is still refused.
  std::vector<char> junk(5, 'x');
  EXPECT_FALSE(sqlite::decode_snapshot_blob(junk.data(), junk.size()).has_value());
}

} // namespace
} // namespace ringbid
