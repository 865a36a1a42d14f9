// Calls outlive the process. A node under Telnyx traffic (carrier-sim) is
// restarted mid-traffic: SIGTERM (a deploy: the calls are handed over), kill -9
// at random instants, SIGHUP with a changed and with an invalid config. Against
// the carrier's own record: no call was hung up because of a restart, every
// placed call has exactly one lead, talk time is the carrier's, no cap is
// exceeded, no reservation is left open, and the dashboard counts every lead.

#include "tests/support/carrier_sim_process.hpp"
#include "tests/support/http_get.hpp"
#include "tests/support/process_support.hpp"
#include "tests/support/sqlite_rows.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <future>
#include <iostream>
#include <map>
#include <random>
#include <string>

namespace ringbid {
namespace {

using namespace ringbid::test;
using std::chrono::seconds;

class Adoption : public ::testing::Test {
protected:
  void SetUp() override {
    dir_ = temp_dir("adoption");
    port_ = free_port();
    db_ = dir_ + "/ringbid-demo.db";
    config_ = dir_ + "/config.json";
    write_config(read_file(src + "/examples/demo.json"));
  }
  void TearDown() override {
    if (node_ > 0) {
      ::kill(node_, SIGKILL);
      ::waitpid(node_, nullptr, 0);
    }
  }
  void write_config(const std::string& text) {
    std::ofstream out{config_ + ".new"};
    out << text;
    out.close();
    std::filesystem::rename(config_ + ".new", config_);
  }
  /// Starts a node and waits until it takes webhooks.
  void start_node(const carrier_sim& sim, const std::vector<std::string>& extra = {}) {
    log_ = dir_ + "/node-" + std::to_string(++runs_) + ".log";
    std::vector<std::string> args{bin + "ringbid-node",
                                  "--config",
                                  config_,
                                  "--data-dir",
                                  dir_,
                                  "--http",
                                  "127.0.0.1:" + std::to_string(port_),
                                  "--carrier",
                                  "telnyx",
                                  "--telnyx-api-url",
                                  sim.api,
                                  "--telnyx-public-key",
                                  sim.public_key,
                                  "--telnyx-connection-id",
                                  "carrier-sim"};
    args.insert(args.end(), extra.begin(), extra.end());
    node_ = spawn_logged(args, log_);
    ASSERT_GT(node_, 0);
    ASSERT_TRUE(wait_until([&] { return read_file(log_).find("' up: ") != std::string::npos; }, seconds{60}))
      << read_file(log_);
  }
  void kill_node(int sig) {
    ASSERT_EQ(::kill(node_, sig), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(node_, &status, 0), node_);
    node_ = -1;
    if (sig == SIGKILL) {
      ASSERT_TRUE(WIFSIGNALED(status));
    } else {
      ASSERT_TRUE(WIFEXITED(status)) << read_file(log_);
      ASSERT_EQ(WEXITSTATUS(status), 0) << read_file(log_);
    }
  }
  size_t leads() { return count_rows(db_, "leads"); }
  /// Waits until `more` further calls have been booked (traffic goes on).
  void let_traffic_run(size_t more) {
    auto target = leads() + more;
    ASSERT_TRUE(wait_until([&] { return leads() >= target; }, seconds{90})) << read_file(log_);
  }

  std::string dir_, db_, config_, log_;
  uint16_t port_ = 0;
  pid_t node_ = -1;
  int runs_ = 0;
};

struct record_call {
  bool answered = false, bridged = false, ended = false;
  int64_t talk_ms = 0;
  uint64_t answers = 0;
};

std::map<std::string, record_call> read_record(const std::string& path, rapidjson::Document& record) {
  auto text = read_file(path);
  record.Parse(text.c_str());
  EXPECT_FALSE(record.HasParseError()) << text;
  std::map<std::string, record_call> calls;
  if (record.HasParseError()) return calls;
  for (const auto& c : record["calls"].GetArray()) {
    record_call r;
    r.answered = c["answered"].GetBool();
    r.bridged = c["bridged"].GetBool();
    r.ended = c["ended"].GetBool();
    r.talk_ms = c["talk_ms"].GetInt64();
    r.answers = c["answers"].GetUint64();
    calls[c["call_control_id"].GetString()] = r;
  }
  return calls;
}

int64_t dashboard_total(uint16_t port) {
  rapidjson::Document doc;
  doc.Parse(http_get("http://127.0.0.1:" + std::to_string(port) + "/api/v1/metrics/summary").body.c_str());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("calls")) return -1;
  return doc["calls"]["total"].GetInt64();
}

TEST_F(Adoption, FiveRestartsMidTrafficDropNoCallAndCountEveryCallOnce) {
  const int calls = 240;
  auto sim = start_carrier(dir_, port_, calls, 12, 10);
  start_node(sim);
  std::mt19937 rng{std::random_device{}()};
  auto some = [&] { return std::uniform_int_distribution<size_t>{5, 20}(rng); };

  // 1. A deploy: SIGTERM hands the live calls over, the next process adopts them.
  let_traffic_run(20);
  kill_node(SIGTERM);
  auto handed = read_file(log_);
  EXPECT_NE(handed.find("live calls handed over"), std::string::npos) << handed;
  start_node(sim);
  // 2. A crash at a random instant.
  let_traffic_run(some());
  kill_node(SIGKILL);
  start_node(sim);
  EXPECT_NE(read_file(log_).find("adopted "), std::string::npos) << read_file(log_);
  // 3. SIGHUP with a changed config: new calls use it, live ones keep theirs.
  let_traffic_run(some());
  auto changed = read_file(src + "/examples/demo.json");
  auto at = changed.find("\"greeting_text\": \"");
  ASSERT_NE(at, std::string::npos);
  changed.insert(at + 18, "Hello again. ");
  write_config(changed);
  ::kill(node_, SIGHUP);
  ASSERT_TRUE(wait_until([&] { return read_file(log_).find(") in force in ") != std::string::npos; }, seconds{30}))
    << read_file(log_);
  // 4. SIGHUP with an invalid config: logged, the node keeps running.
  let_traffic_run(some());
  write_config(read_file(src + "/examples/invalid.json"));
  ::kill(node_, SIGHUP);
  ASSERT_TRUE(wait_until([&] { return read_file(log_).find("nothing imported") != std::string::npos; }, seconds{30}))
    << read_file(log_);
  write_config(changed);
  // 5. Another crash.
  let_traffic_run(some());
  kill_node(SIGKILL);
  start_node(sim);

  int sim_exit = wait_exit(sim.pid, seconds{240});
  ASSERT_EQ(sim_exit, 0) << read_file(sim.log) << read_file(log_);
  ASSERT_TRUE(wait_until([&] { return leads() >= size_t(calls); }, seconds{60})) << read_file(log_);
  auto shown = dashboard_total(port_);
  kill_node(SIGTERM);

  rapidjson::Document record;
  auto carrier_calls = read_record(dir_ + "/record.json", record);
  ASSERT_EQ(record["placed"].GetUint64(), uint64_t(calls));
  ASSERT_EQ(record["ended"].GetUint64(), uint64_t(calls)) << "no caller was left hanging";
  EXPECT_EQ(record["webhooks"]["given_up"].GetUint64(), 0u) << "the carrier got through to the next process";

  std::map<std::string, std::vector<std::string>> lead_rows; // carrier id -> outcome, talk_ms, ended_in
  for (const auto& row : query(db_, "SELECT carrier_call_id, outcome, talk_ms, ended_in FROM leads"))
    EXPECT_TRUE(lead_rows.emplace(row[0], row).second) << "two leads for " << row[0];
  ASSERT_EQ(lead_rows.size(), size_t(calls)) << "exactly one lead per placed call";
  EXPECT_EQ(count_rows(db_, "live_calls"), 0u);
  EXPECT_EQ(count_rows(db_, "call_inbox"), 0u);
  size_t bridged = 0, worst_ms = 0;
  for (const auto& [id, c] : carrier_calls) {
    auto lead = lead_rows.find(id);
    ASSERT_NE(lead, lead_rows.end()) << "no lead for " << id;
    const auto& outcome = lead->second[1];
    EXPECT_NE(outcome, "interrupted") << id << ": no call is cut off by a restart";
    EXPECT_LE(c.answers, 1u) << id << " answered twice";
    EXPECT_EQ(c.bridged, outcome == "bridged") << id << " " << outcome;
    if (c.bridged && outcome == "bridged") {
      ++bridged;
      auto diff = static_cast<size_t>(std::llabs(std::stoll(lead->second[2]) - c.talk_ms));
      worst_ms = std::max(worst_ms, diff);
      EXPECT_LE(diff, 5u) << id << ": billed " << lead->second[2] << " ms, the carrier says " << c.talk_ms;
    }
  }
  EXPECT_GT(bridged, 50u);
  std::cout << "[ figures  ] " << calls << " calls, " << bridged << " bridged, 5 restarts; worst talk-time gap "
            << worst_ms << " ms\n";

  // Caps: none exceeded, nothing left reserved.
  auto caps = run(bin + "ringbid caps --json --config " + config_ + " --db " + db_);
  ASSERT_EQ(caps.exit_code, 0) << caps.output;
  rapidjson::Document doc;
  doc.Parse(caps.output.c_str());
  ASSERT_FALSE(doc.HasParseError()) << caps.output;
  EXPECT_EQ(doc["open_reservations"].GetUint64(), 0u) << caps.output;
  for (const auto& c : doc["caps"].GetArray()) {
    // Spacing's limit is a time between calls, not a count.
    if (c["limit"].GetInt64() <= 0 || std::string{c["measure"].GetString()} == "spacing") continue;
    EXPECT_LE(c["value"].GetInt64(), c["limit"].GetInt64()) << c["id"].GetString() << " " << c["measure"].GetString();
  }
  EXPECT_EQ(shown, int64_t(calls)) << "the dashboard counts every lead once";
}

TEST_F(Adoption, TwentyKillNinesNeverLeaveAnAnsweredCallWithoutALeadOrAnswerACallTwice) {
  const int calls = 150;
  auto sim = start_carrier(dir_, port_, calls, 15, 20);
  start_node(sim);
  std::mt19937 rng{std::random_device{}()};
  auto newest_start = [&] {
    auto rows = query(db_, "SELECT coalesce(max(started_at), 0) FROM live_calls");
    return rows.empty() ? std::string{} : rows[0][0];
  };
  int at_a_start = 0;
  for (int trial = 0; trial < 20 && ::kill(sim.pid, 0) == 0; ++trial) {
    if (trial % 2 == 0) {
      // Right after a call's start is noted: its answer is on its way or not sent yet.
      // Polled without pause (one query, well under a millisecond), so the
      // kill lands within about a millisecond of the start being noted.
      auto seen = newest_start();
      auto until = std::chrono::steady_clock::now() + seconds{20};
      while (newest_start() == seen && std::chrono::steady_clock::now() < until) {}
      if (newest_start() != seen) ++at_a_start;
    } else {
      let_traffic_run(std::uniform_int_distribution<size_t>{1, 6}(rng));
    }
    kill_node(SIGKILL);
    start_node(sim);
  }
  EXPECT_GE(at_a_start, 5);
  ASSERT_EQ(wait_exit(sim.pid, seconds{240}), 0) << read_file(sim.log) << read_file(log_);
  ASSERT_TRUE(wait_until([&] { return leads() >= size_t(calls); }, seconds{60})) << read_file(log_);
  kill_node(SIGTERM);

  rapidjson::Document record;
  auto carrier_calls = read_record(dir_ + "/record.json", record);
  ASSERT_EQ(record["placed"].GetUint64(), uint64_t(calls));
  ASSERT_EQ(record["ended"].GetUint64(), uint64_t(calls));
  std::map<std::string, std::string> outcomes;
  for (const auto& row : query(db_, "SELECT carrier_call_id, outcome FROM leads"))
    EXPECT_TRUE(outcomes.emplace(row[0], row[1]).second) << "two leads for " << row[0];
  size_t answered = 0, twice = 0;
  for (const auto& [id, c] : carrier_calls) {
    EXPECT_TRUE(outcomes.count(id)) << id << (c.answered ? ": answered without a lead" : ": no lead");
    answered += c.answered ? 1 : 0;
    twice += c.answers > 1 ? 1 : 0;
  }
  EXPECT_EQ(twice, 0u) << "a call answered twice";
  EXPECT_EQ(outcomes.size(), size_t(calls));
  std::cout << "[ figures  ] 20 kill -9 trials (" << at_a_start << " right after a call's start was noted): " << calls
            << " calls, " << answered << " answered, " << twice << " answered twice, "
            << (calls - static_cast<int>(outcomes.size())) << " without a lead\n";
}

TEST_F(Adoption, WithACarrierThatDeliversOnceOnlyCallsWhoseWebhooksHitTheDeadNodeLackALead) {
  const int calls = 160;
  auto sim = start_carrier(dir_, port_, calls, 8, 20, {"--webhook-retries", "0"});
  start_node(sim);
  let_traffic_run(5);
  kill_node(SIGKILL);
  // The node stays down until the carrier has placed calls it never heard of:
  // their call.initiated hit the dead node and was given up.
  // Calls up at the carrier that no node ever heard of: their call.initiated
  // hit the dead node and was given up.
  auto unheard_of = [&] {
    size_t n = 0;
    rapidjson::Document doc;
    doc.Parse(http_get(sim.api + "/v2/connections/carrier-sim/active_calls?page%5Blimit%5D=250").body.c_str());
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("data")) return n;
    for (const auto& c : doc["data"].GetArray()) {
      std::string id = c["call_control_id"].GetString();
      if (id.find(":b") != std::string::npos) continue; // a buyer leg (carrier-sim names them <call>:b<n>)
      if (query(db_, "SELECT 1 FROM live_calls WHERE carrier_call_id = '" + id +
                       "' UNION ALL SELECT 1 FROM leads WHERE carrier_call_id = '" + id + "'")
            .empty())
        ++n;
    }
    return n;
  };
  ASSERT_TRUE(wait_until([&] { return unheard_of() > 0; }, seconds{30})) << read_file(sim.log);
  // This time the node finishes its calls when stopped: a call whose events
  // were lost with the dead node may wait for a long watchdog otherwise.
  start_node(sim, {"--drain-mode", "finish"});
  // Every call the carrier placed is booked or live at the node, but for those
  // no node heard of (a carrier that never retries keeps them ringing).
  ASSERT_TRUE(
    wait_until([&] { return leads() + count_rows(db_, "live_calls") + unheard_of() == size_t(calls); }, seconds{120}))
    << leads() << " leads, " << unheard_of() << " unheard of, " << count_rows(db_, "live_calls") << " live\n"
    << read_file(log_) << read_file(sim.log);
  auto unheard = unheard_of();
  ::kill(sim.pid, SIGTERM);
  wait_exit(sim.pid, seconds{60});
  kill_node(SIGTERM);
  rapidjson::Document record;
  auto carrier_calls = read_record(dir_ + "/record.json", record);
  ASSERT_EQ(record["placed"].GetUint64(), uint64_t(calls));
  auto given_up = record["webhooks"]["given_up"].GetUint64();
  std::map<std::string, std::string> outcomes;
  for (const auto& row : query(db_, "SELECT carrier_call_id, outcome FROM leads")) outcomes.emplace(row[0], row[1]);
  size_t without = 0;
  for (const auto& [id, c] : carrier_calls) {
    if (outcomes.count(id)) continue;
    ++without;
    EXPECT_FALSE(c.answered) << id << ": answered, yet without a lead";
  }
  EXPECT_EQ(without, unheard) << "only the calls no node heard of lack a lead";
  EXPECT_LE(without, given_up);
  EXPECT_GT(without, 0u);
  EXPECT_EQ(count_rows(db_, "live_calls"), 0u);
  std::cout << "[ figures  ] deliver-once carrier, one kill -9: " << calls << " calls, " << given_up
            << " webhooks given up, " << without << " calls without a lead (their call.initiated reached no node)\n";
}

} // namespace
} // namespace ringbid
