// Whole-node simulations on virtual time: the invariants issue #2 promises.

#include "adapters/config/config_json.hpp"
#include "adapters/sqlite/sqlite_lead_reader.hpp"
#include "tools/node/simulation.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#ifndef RINGBID_SOURCE_DIR
#error "RINGBID_SOURCE_DIR must be defined"
#endif

namespace ringbid {
namespace {

engine_config demo_config() {
  auto loaded = load_config_file(std::string{RINGBID_SOURCE_DIR} + "/examples/demo.json");
  EXPECT_TRUE(loaded.ok()) << format_config_errors(loaded.errors);
  return *loaded.config;
}

std::string temp_db(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("ringbid-sim-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return (dir / (name + ".db")).string();
}

/// What every run must satisfy, faults or not.
void expect_invariants(const engine_config& cfg, const simulation_report& r, uint64_t calls) {
  EXPECT_TRUE(r.finished);
  EXPECT_EQ(r.calls, calls);
  EXPECT_EQ(r.completed, calls) << "every call reaches done exactly once";
  EXPECT_EQ(r.leads_written, calls) << "one lead row per call";
  EXPECT_EQ(r.leads.leads, calls);
  EXPECT_EQ(r.leads.in_progress, 0u);
  EXPECT_EQ(r.open_reservations, 0u) << "no reservation left open";
  // Calls that did not convert (talk below the buyer's buffer) are not charged.
  EXPECT_LE(r.leads.revenue_micros, r.leads.bid_sum_bridged_micros) << "revenue never exceeds the winning bids";
  EXPECT_GT(r.leads.revenue_micros, 0);
  int64_t by_buyer = 0;
  for (const auto& w : r.leads.wins) {
    by_buyer += w.revenue_micros;
    const auto* buyer = cfg.find_buyer(w.buyer_id);
    ASSERT_NE(buyer, nullptr);
    if (buyer->daily_cap > 0) {
      EXPECT_LE(w.wins, uint64_t(buyer->daily_cap)) << w.buyer_id << " over its daily cap";
    }
  }
  EXPECT_EQ(by_buyer, r.leads.revenue_micros);
  EXPECT_EQ(r.leads.bridged + r.leads.no_buyer + r.leads.buyer_no_answer + r.leads.abandoned + r.leads.unknown_number +
              r.leads.failed + r.leads.interrupted,
            calls);
  // The carrier saw every call end: no caller is left hanging.
  uint64_t ended = 0;
  for (const auto& [id, call] : r.carrier->calls) ended += call.ended ? 1 : 0;
  EXPECT_EQ(ended, calls);
  // A call actor resumed from its checkpoint repeats, under the same keys, the
  // commands its predecessor sent after it; the carrier ignores them. Without
  // a crash no command is ever sent twice.
  if (r.call_restarts == 0)
    EXPECT_EQ(r.carrier->duplicate_commands, 0u);
  else
    EXPECT_LE(r.carrier->duplicate_commands, 3 * r.call_restarts);
}

/// The analytics actor, fed by the calls as they happen, counts what the lead store holds.
void expect_analytics_agree(const simulation_report& r) {
  ASSERT_TRUE(r.analytics.has_value());
  const auto& f = r.analytics->figures;
  EXPECT_EQ(f.total, r.leads.leads);
  EXPECT_EQ(f.answered, r.leads.bridged);
  EXPECT_EQ(f.missed, r.leads.no_buyer + r.leads.buyer_no_answer);
  EXPECT_EQ(f.abandoned, r.leads.abandoned);
  EXPECT_EQ(f.other, r.leads.unknown_number + r.leads.failed + r.leads.interrupted);
  EXPECT_EQ(f.revenue_micros, r.leads.revenue_micros);
  EXPECT_EQ(f.payout_micros, r.leads.payout_micros);
  EXPECT_NEAR(double(f.talk_ms) / double(f.answered), r.leads.mean_talk_ms, 0.01);
  for (const auto& w : r.leads.wins) {
    ASSERT_TRUE(f.buyers.count(w.buyer_id)) << w.buyer_id;
    EXPECT_EQ(f.buyers.at(w.buyer_id).answered, w.wins) << w.buyer_id;
  }
  uint64_t live = 0;
  for (auto n : r.analytics->active) live += n;
  EXPECT_EQ(live, 0u) << "no call left on the live board";
}

TEST(Simulation, TenThousandCallsKeepEveryInvariant) {
  auto cfg = demo_config();
  simulation_options opt;
  opt.calls = 10'000;
  opt.seed = 42;
  opt.db_path = temp_db("plain");
  opt.analytics = true;
  auto r = run_simulation(cfg, opt);
  expect_invariants(cfg, r, opt.calls);
  expect_analytics_agree(r);
  EXPECT_GT(r.leads.bridged, opt.calls / 2);
  EXPECT_GT(r.leads.unknown_number, 0u);
  EXPECT_GT(r.leads.abandoned, 0u);
  // Without faults the carrier and the leads agree on who was connected.
  uint64_t carrier_bridged = 0;
  for (const auto& [id, call] : r.carrier->calls) carrier_bridged += call.bridged ? 1 : 0;
  EXPECT_EQ(carrier_bridged, r.leads.bridged);
  EXPECT_EQ(r.leads.failed + r.leads.interrupted, 0u);
}

TEST(Simulation, InvariantsHoldWhileBiddersLedgerRecorderCarrierAndCallsCrash) {
  auto cfg = demo_config();
  cfg.supervision.max_restarts = 50; // chaos strikes ~every 100 ms of virtual time
  simulation_options opt;
  opt.calls = 10'000;
  opt.seed = 43;
  opt.chaos = true;
  opt.chaos_interval_ms = 100;
  opt.db_path = temp_db("chaos");
  opt.analytics = true;
  auto r = run_simulation(cfg, opt);
  expect_invariants(cfg, r, opt.calls);
  expect_analytics_agree(r);
  EXPECT_GT(r.peer_kills, 1000u);
  EXPECT_GT(r.bidder_kills, 200u) << "bidders die mid-round too; their live calls ping the restarted ones";
  // The carrier actor dies too; its port keeps the simulated world and every event.
  EXPECT_GT(r.carrier_kills, 100u);
  EXPECT_GT(r.call_restarts, 100u);
  EXPECT_GT(r.leads.bridged, opt.calls / 2);
  // Crash recovery loses no carrier event: no call fails for want of one.
  EXPECT_EQ(r.leads.failed, 0u);
}

TEST(Simulation, SameSeedSameResult) {
  auto cfg = demo_config();
  simulation_options opt;
  opt.calls = 3'000;
  opt.seed = 9;
  opt.db_path = temp_db("det-a");
  auto a = run_simulation(cfg, opt);
  opt.db_path = temp_db("det-b");
  auto b = run_simulation(cfg, opt);
  EXPECT_EQ(a.leads.bridged, b.leads.bridged);
  EXPECT_EQ(a.leads.abandoned, b.leads.abandoned);
  EXPECT_EQ(a.leads.revenue_micros, b.leads.revenue_micros);
  EXPECT_EQ(a.leads.payout_micros, b.leads.payout_micros);
  EXPECT_EQ(a.leads.auction_latency_p99_us, b.leads.auction_latency_p99_us);
  EXPECT_EQ(a.virtual_seconds, b.virtual_seconds);
  opt.seed = 10;
  opt.db_path = temp_db("det-c");
  auto c = run_simulation(cfg, opt);
  EXPECT_NE(a.leads.revenue_micros, c.leads.revenue_micros);
}

TEST(Simulation, UnknownNumberIsPlayedTheEndingMessageHungUpAndRecorded) {
  auto cfg = demo_config();
  cfg.carrier_sim.unknown_did_rate = 0.5;
  simulation_options opt;
  opt.calls = 200;
  opt.seed = 5;
  opt.db_path = temp_db("unknown");
  auto r = run_simulation(cfg, opt);
  expect_invariants(cfg, r, opt.calls);
  ASSERT_GT(r.leads.unknown_number, 50u);

  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(opt.db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(
    sqlite3_prepare_v2(db, "SELECT id_text FROM leads WHERE outcome = 'unknown_number' LIMIT 1", -1, &stmt, nullptr),
    SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  std::string id_text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  sqlite3_finalize(stmt);
  sqlite3_close(db);

  std::string error;
  auto reader = sqlite_lead_reader::open(opt.db_path, &error);
  ASSERT_TRUE(reader) << error;
  auto lead = reader->find(*uuid::parse(id_text));
  ASSERT_TRUE(lead);
  EXPECT_EQ(lead->outcome, disposition::unknown_number);
  EXPECT_TRUE(lead->campaign_id.empty());
  EXPECT_EQ(lead->revenue_micros, 0);
  EXPECT_NE(lead->answered_at, 0);
  std::string notes;
  for (const auto& j : lead->journal) notes += j.note + ";";
  EXPECT_NE(notes.find("unknown number"), std::string::npos) << notes;
  EXPECT_NE(notes.find("hangup confirmed"), std::string::npos) << notes;
  EXPECT_EQ(lead->journal.back().state, call_state::done);
}

} // namespace
} // namespace ringbid
