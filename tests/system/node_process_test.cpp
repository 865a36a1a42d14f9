// The executables as a user runs them: exit codes, messages, graceful shutdown.

#include "adapters/sqlite/sqlite_lead_reader.hpp"
#include "tests/support/process_support.hpp"
#include "tests/support/sqlite_rows.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <array>
#include <cctype>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace ringbid {
namespace {

using namespace ringbid::test;

/// `ringbid caps --json` output, by "owner id measure window".
struct caps_json {
  uint64_t open_reservations = 0;
  std::map<std::string, std::pair<int64_t, int64_t>> value_reserved;
  std::map<std::string, std::string> window_start;
};

caps_json parse_caps(const std::string& text) {
  caps_json out;
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  EXPECT_FALSE(doc.HasParseError()) << text;
  if (doc.HasParseError() || !doc.IsObject()) return out;
  out.open_reservations = doc["open_reservations"].GetUint64();
  for (const auto& c : doc["caps"].GetArray()) {
    auto key = std::string{c["owner"].GetString()} + " " + c["id"].GetString() + " " + c["measure"].GetString() + " " +
               c["window"].GetString();
    out.value_reserved[key] = {c["value"].GetInt64(), c["reserved"].GetInt64()};
    out.window_start[key] = c["window_start"].GetString();
  }
  return out;
}

TEST(NodeProcess, InvalidConfigIsRefusedWithEveryBadFieldAndExitCode2) {
  for (const auto& exe : {bin + "ringbid simulate --calls 1 --config", bin + "ringbid-node --carrier sim --config"}) {
    auto r = run(exe + " " + src + "/examples/invalid.json");
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find("/threads"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("/campaigns/0/floor"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("/buyers/0/daily_cap_calls"), std::string::npos) << r.output;
  }
}

TEST(NodeProcess, MissingConfigFileIsRefused) {
  auto r = run(bin + "ringbid-node --carrier sim --config /nonexistent/ringbid.json");
  EXPECT_EQ(r.exit_code, 2) << r.output;
}

TEST(NodeProcess, SimulateJsonHasTheDocumentedKeys) {
  auto dir = temp_dir("simjson");
  auto r = run(bin + "ringbid simulate --config " + src + "/examples/demo.json --calls 500 --seed 3 --json --db " +
               dir + "/s.db");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* key : {"\"calls\": 500", "\"completed\": 500", "\"bridged\"", "\"missed\"", "\"abandoned\"",
                          "\"revenue\"", "\"leads_written\": 500", "\"seed\": 3"})
    EXPECT_NE(r.output.find(key), std::string::npos) << key << " missing in " << r.output;
}

TEST(NodeProcess, SigtermDrainsLiveCallsAndFlushesEveryLead) {
  auto dir = temp_dir("sigterm");
  auto log = dir + "/node.log";
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto out = std::freopen(log.c_str(), "w", stdout);
    (void)out;
    ::dup2(::fileno(stdout), STDERR_FILENO);
    std::string exe = bin + "ringbid-node";
    std::string config = src + "/examples/demo.json";
    ::execl(exe.c_str(), exe.c_str(), "--config", config.c_str(), "--carrier", "sim", "--data-dir", dir.c_str(),
            "--rate", "40", static_cast<char*>(nullptr));
    std::_Exit(127);
  }
  // Traffic under way: more calls started (each a lead once drained) than the run must count.
  auto db = dir + "/ringbid-demo.db";
  auto calls_started = [&] { // one statement: one snapshot, so no call is counted twice
    auto rows = query(db, "SELECT (SELECT count(*) FROM leads) + (SELECT count(*) FROM live_calls)");
    return rows.empty() ? 0ull : std::stoull(rows[0][0]);
  };
  ASSERT_TRUE(wait_until([&] { return calls_started() > 20; }, std::chrono::seconds{60})) << read_file(log);
  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  std::ifstream in{log};
  std::string text{std::istreambuf_iterator<char>{in}, {}};
  ASSERT_TRUE(WIFEXITED(status)) << text;
  EXPECT_EQ(WEXITSTATUS(status), 0) << text;
  EXPECT_NE(text.find("all calls finalized"), std::string::npos) << text;

  std::string error;
  auto reader = sqlite_lead_reader::open(dir + "/ringbid-demo.db", &error);
  ASSERT_TRUE(reader) << error;
  auto summary = reader->summarize();
  EXPECT_GT(summary.leads, 20u);
  EXPECT_EQ(summary.in_progress, 0u);
  // Every call the node started has exactly one lead: "N started, N finished".
  auto started = text.find("all calls finalized: ");
  ASSERT_NE(started, std::string::npos);
  auto count = std::stoull(text.substr(started + 21));
  EXPECT_EQ(count, summary.leads) << text;
  EXPECT_EQ(reader->count_duplicate_ids(), 0u);
}

// kill -9 a node with live traffic, restart it: every committed count is
// rebuilt from the journal, no reservation of the dead calls survives, and the
// restarted node's counters equal the journal's, cap by cap.
TEST(NodeProcess, CapCountersSurviveKillNineAndEqualTheJournal) {
  auto dir = temp_dir("caps-restart");
  auto config = dir + "/caps.json";
  {
    // The demo config with its caps replaced by these.
    auto demo = read_file(src + "/examples/demo.json");
    auto begin = demo.find("\"caps\": [");
    auto end = demo.find("\n  ]", begin);
    ASSERT_NE(begin, std::string::npos);
    ASSERT_NE(end, std::string::npos);
    std::ofstream out{config};
    out << demo.substr(0, begin) << R"("caps": [
      { "owner": "buyer", "id": "shieldline-auto", "measure": "calls", "window": "week", "limit": 40, "counts_on": "routed" },
      { "owner": "campaign", "id": "auto-ins-national", "measure": "revenue", "window": "month", "budget": 900 },
      { "owner": "source", "id": "summit-search", "measure": "concurrency", "limit": 30 },
      { "owner": "campaign_buyer", "campaign": "plumbing-ca-tx", "buyer": "metro-call-exchange",
        "measure": "calls", "window": "week", "limit": 25 }
    ])" << demo.substr(end + 4);
  }
  auto db = dir + "/ringbid-demo.db";
  auto bridged_commits = [&] {
    auto rows = query(db, "SELECT count(*) FROM cap_journal WHERE op = 'commit' AND stage = 'bridged'");
    return rows.empty() ? 0ull : std::stoull(rows[0][0]);
  };
  auto node = bin + "ringbid-node";
  pid_t pid =
    spawn_logged({node, "--config", config, "--carrier", "sim", "--data-dir", dir, "--rate", "80"}, dir + "/first.log");
  ASSERT_GT(pid, 0);
  ASSERT_TRUE(wait_until([&] { return bridged_commits() > 40; }, std::chrono::seconds{60}))
    << read_file(dir + "/first.log");
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status));

  auto before = run(bin + "ringbid caps --json --config " + config + " --db " + db);
  ASSERT_EQ(before.exit_code, 0) << before.output;
  auto crashed = parse_caps(before.output);
  EXPECT_GT(crashed.open_reservations, 0u) << "calls were live when the node died";

  pid = spawn_logged(
    {node, "--config", config, "--carrier", "sim", "--data-dir", dir, "--rate", "0", "--admin", "127.0.0.1:0"},
    dir + "/second.log");
  std::string port;
  ASSERT_TRUE(wait_until(
    [&] {
      auto log = read_file(dir + "/second.log");
      auto at = log.find("admin endpoint on 127.0.0.1:");
      if (at == std::string::npos) return false;
      port = log.substr(at + 28, log.find_first_not_of("0123456789", at + 28) - at - 28);
      return true;
    },
    std::chrono::seconds{20}))
    << read_file(dir + "/second.log");
  auto log = read_file(dir + "/second.log");
  // The in-process simulator died with the node: its calls are unknown to the
  // new one, booked where they stood, and their reservations given back.
  EXPECT_NE(log.find("reservations of the previous run wait"), std::string::npos) << log;
  EXPECT_NE(log.find("unknown to it (booked as interrupted)"), std::string::npos) << log;

  auto live = run(bin + "ringbid caps --json --config " + config + " --node 127.0.0.1:" + port);
  auto after = run(bin + "ringbid caps --json --config " + config + " --db " + db);
  ::kill(pid, SIGTERM);
  ::waitpid(pid, &status, 0);
  ASSERT_EQ(live.exit_code, 0) << live.output;
  ASSERT_EQ(after.exit_code, 0) << after.output;
  auto node_view = parse_caps(live.output);
  auto journal_view = parse_caps(after.output);
  EXPECT_EQ(node_view.open_reservations, 0u) << "no reservation survives its holder";
  EXPECT_EQ(journal_view.open_reservations, 0u);
  ASSERT_EQ(node_view.value_reserved.size(), 19u);
  EXPECT_EQ(node_view.value_reserved, journal_view.value_reserved) << "the node's counters are the journal's";
  int64_t counted = 0;
  for (const auto& [key, vr] : node_view.value_reserved) {
    EXPECT_EQ(vr.second, 0) << key;
    if (key.find("concurrency") != std::string::npos) {
      EXPECT_EQ(vr.first, 0) << key << ": the dead calls' lines are free";
      continue;
    }
    counted += vr.first;
    if (node_view.window_start[key] == crashed.window_start[key]) {
      EXPECT_EQ(vr.first, crashed.value_reserved[key].first) << key << ": no committed count lost";
    }
  }
  EXPECT_GT(counted, 0) << "calls were counted before the crash";
}

} // namespace
} // namespace ringbid
