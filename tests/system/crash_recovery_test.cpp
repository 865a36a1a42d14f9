// kill -9 a node in the middle of live Telnyx traffic and start it again on
// the same database: every call the carrier placed has exactly one lead, the
// calls that were live when it died are booked `interrupted` with the state
// they were in, and the carrier's own record agrees.

#include "tests/support/process_support.hpp"
#include "tests/support/sqlite_rows.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <csignal>
#include <map>
#include <set>
#include <string>

namespace ringbid {
namespace {

using namespace ringbid::test;
using std::chrono::seconds;

pid_t start_node(const std::string& dir, uint16_t port, const std::string& api, const std::string& public_key,
                 const std::string& log) {
  return spawn_logged({bin + "ringbid-node", "--config", src + "/examples/demo.json", "--data-dir", dir, "--http",
                       "127.0.0.1:" + std::to_string(port), "--carrier", "telnyx", "--telnyx-api-url", api,
                       "--telnyx-public-key", public_key},
                      log);
}

TEST(CrashRecovery, KillNineMidTrafficLeavesExactlyOneLeadPerPlacedCall) {
  auto dir = temp_dir("crash");
  auto port = free_port();
  auto db = dir + "/ringbid-demo.db";
  const int calls = 400;

  // Calls last a few seconds (time scale 50), so many are live at the kill.
  auto sim_log = dir + "/carrier.log";
  pid_t sim = spawn_logged({bin + "ringbid", "carrier-sim",
                            "--config",      src + "/examples/demo.json",
                            "--webhook-url", "http://127.0.0.1:" + std::to_string(port) + "/webhooks/telnyx",
                            "--listen",      "127.0.0.1:0",
                            "--key-file",    dir + "/key",
                            "--calls",       std::to_string(calls),
                            "--rate",        "60",
                            "--time-scale",  "50",
                            "--seed",        "11",
                            "--record",      dir + "/record.json",
                            "--wait-ready",  "60",
                            "--max-run",     "150"},
                           sim_log);
  ASSERT_GT(sim, 0);
  ASSERT_TRUE(wait_until([&] { return !log_value(sim_log, "carrier-sim api: ").empty(); }, seconds{20}))
    << read_file(sim_log);
  auto api = log_value(sim_log, "carrier-sim api: ");
  auto public_key = log_value(sim_log, "carrier-sim public key: ");

  auto first_log = dir + "/first.log";
  pid_t node = start_node(dir, port, api, public_key, first_log);
  ASSERT_GT(node, 0);
  ASSERT_TRUE(
    wait_until([&] { return count_rows(db, "leads") >= 30 && count_rows(db, "live_calls") >= 30; }, seconds{60}))
    << read_file(first_log) << read_file(sim_log);
  ASSERT_EQ(::kill(node, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(node, &status, 0), node);
  ASSERT_TRUE(WIFSIGNALED(status));

  // What the dead node left: the calls it knew to be live, by carrier id.
  std::map<std::string, std::string> live_at_kill; // carrier call id -> last state
  for (const auto& row : query(db, "SELECT carrier_call_id, state FROM live_calls")) live_at_kill[row[0]] = row[1];
  auto leads_at_kill = count_rows(db, "leads");
  ASSERT_FALSE(live_at_kill.empty());

  // Start again at once: the carrier retries the webhooks the dead node missed.
  auto second_log = dir + "/second.log";
  node = start_node(dir, port, api, public_key, second_log);
  ASSERT_GT(node, 0);
  int sim_exit = wait_exit(sim, seconds{180});
  ::kill(node, SIGTERM);
  int node_exit = wait_exit(node, seconds{60});
  ASSERT_EQ(sim_exit, 0) << read_file(sim_log) << read_file(second_log);
  ASSERT_EQ(node_exit, 0) << read_file(second_log);
  EXPECT_NE(read_file(second_log)
              .find(std::to_string(live_at_kill.size()) + " calls left live by the previous run booked as interrupted"),
            std::string::npos)
    << read_file(second_log);

  rapidjson::Document record;
  auto record_text = read_file(dir + "/record.json");
  record.Parse(record_text.c_str());
  ASSERT_FALSE(record.HasParseError()) << record_text;
  ASSERT_EQ(record["placed"].GetUint64(), uint64_t(calls));
  ASSERT_EQ(record["ended"].GetUint64(), uint64_t(calls)) << "no caller was left hanging";
  EXPECT_EQ(record["webhooks"]["failed"].GetUint64(), 0u) << "the carrier got through to the restarted node";

  // Exactly one lead per placed call, and no other lead.
  std::map<std::string, std::pair<std::string, std::string>> leads; // carrier id -> outcome, ended_in
  for (const auto& row : query(db, "SELECT carrier_call_id, outcome, ended_in FROM leads")) {
    EXPECT_TRUE(leads.emplace(row[0], std::pair{row[1], row[2]}).second) << "two leads for " << row[0];
  }
  EXPECT_EQ(count_rows(db, "live_calls"), 0u) << "every live call was booked";
  ASSERT_EQ(leads.size(), size_t(calls)) << leads_at_kill << " leads at the kill";

  size_t interrupted = 0;
  for (const auto& c : record["calls"].GetArray()) {
    std::string id = c["call_control_id"].GetString();
    auto i = leads.find(id);
    ASSERT_NE(i, leads.end()) << "no lead for " << id;
    const auto& [outcome, ended_in] = i->second;
    auto live = live_at_kill.find(id);
    if (live != live_at_kill.end()) {
      // Live at the kill: interrupted where it stood, unless it was already
      // ending (its outcome decided, only the hangup left).
      if (live->second != "ending") {
        EXPECT_EQ(outcome, "interrupted") << id << " was in " << live->second;
        EXPECT_EQ(ended_in, live->second) << id;
      }
      if (outcome == "interrupted") ++interrupted;
      continue;
    }
    EXPECT_NE(outcome, "interrupted") << id << ": only calls live at the kill are interrupted";
    EXPECT_EQ(c["bridged"].GetBool(), outcome == "bridged") << id << " " << outcome;
  }
  EXPECT_GT(interrupted, 10u);
}

} // namespace
} // namespace ringbid
