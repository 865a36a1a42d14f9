// The configuration API on a running ringbid-node with simulated calls: a
// campaign paused through the API books its next calls `paused` (under the
// revision that paused it), resumed it routes again; GET /api/v1/caps shows
// the cap ledger's current usage.

#include "tests/support/http_get.hpp"
#include "tests/support/process_support.hpp"
#include "tests/support/sqlite_rows.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <csignal>
#include <string>
#include <sys/wait.h>

namespace ringbid {
namespace {

using namespace ringbid::test;
using std::chrono::seconds;

struct api_node {
  std::string dir = temp_dir("config-api");
  std::string log = dir + "/node.log";
  std::string db = dir + "/ringbid-demo.db";
  pid_t pid = -1;
  std::string origin;

  api_node() {
    pid = spawn_logged({bin + "ringbid-node", "--config", src + "/examples/demo.json", "--carrier", "sim", "--data-dir",
                        dir, "--rate", "20", "--http", "127.0.0.1:0"},
                       log);
  }
  ~api_node() {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  }
  std::string text() const { return read_file(log); }

  /// A lead of `campaign` booked under revision `revision` or later, `paused` or not.
  bool booked(const std::string& campaign, int64_t revision, bool paused) const {
    auto rows = query(db, "SELECT count(*) FROM leads WHERE campaign_id = '" + campaign + "' AND config_revision >= " +
                            std::to_string(revision) + " AND outcome " + (paused ? "=" : "<>") + " 'paused'");
    return !rows.empty() && rows[0][0] != "0";
  }
};

int64_t revision_of(const http_client_response& r) {
  auto h = std::string{r.header("ringbid-revision")};
  return h.empty() ? 0 : std::stoll(h);
}

TEST(ConfigApiProcess, APausedCampaignBooksPausedUntilResumedAndCapsShowTheirUsage) {
  api_node node;
  ASSERT_GT(node.pid, 0);
  ASSERT_TRUE(wait_until([&] { return !log_value(node.log, "http on 127.0.0.1:").empty(); }, seconds{30}))
    << node.text();
  auto port = log_value(node.log, "http on 127.0.0.1:");
  node.origin = "http://127.0.0.1:" + port.substr(0, port.find_first_not_of("0123456789"));
  ASSERT_TRUE(wait_until([&] { return http_get(node.origin + "/readyz").status == 200; }, seconds{20})) << node.text();
  const std::string campaign = "auto-ins-national";
  ASSERT_TRUE(wait_until([&] { return node.booked(campaign, 1, false); }, seconds{30})) << "calls flow first";

  // Loopback, no --access-token: the open mode is an admin.
  auto paused = http_call("POST", node.origin + "/api/v1/campaigns/" + campaign + "/pause",
                          {{"Ringbid-Change-Reason", "process test"}});
  ASSERT_EQ(paused.status, 200) << paused.body;
  auto paused_at = revision_of(paused);
  ASSERT_GT(paused_at, 1);
  ASSERT_TRUE(wait_until([&] { return node.booked(campaign, paused_at, true); }, seconds{30}))
    << "a call after the pause is booked paused\n"
    << node.text();

  auto resumed = http_call("POST", node.origin + "/api/v1/campaigns/" + campaign + "/resume");
  ASSERT_EQ(resumed.status, 200) << resumed.body;
  auto resumed_at = revision_of(resumed);
  ASSERT_EQ(resumed_at, paused_at + 1);
  ASSERT_TRUE(wait_until([&] { return node.booked(campaign, resumed_at, false); }, seconds{30}))
    << "a call after the resume is routed\n"
    << node.text();
  // Every call routed under the paused revision was booked paused.
  auto leaked = query(node.db, "SELECT count(*) FROM leads WHERE campaign_id = '" + campaign +
                                 "' AND config_revision = " + std::to_string(paused_at) + " AND outcome <> 'paused'");
  ASSERT_FALSE(leaked.empty());
  EXPECT_EQ(leaked[0][0], "0");
  EXPECT_FALSE(node.booked(campaign, resumed_at, true)) << "no paused booking after the resume";

  // The caps with the ledger's usage (asked on the control plane's worker).
  auto caps = http_get(node.origin + "/api/v1/caps?owner=buyer&id=shieldline-auto");
  ASSERT_EQ(caps.status, 200) << caps.body;
  rapidjson::Document doc;
  doc.Parse(caps.body.c_str());
  ASSERT_TRUE(doc.IsObject() && doc["items"].Size() == 1) << caps.body;
  const auto& usage = doc["items"][0]["usage"];
  ASSERT_TRUE(usage.IsObject()) << caps.body;
  EXPECT_EQ(usage["limit"].GetInt(), 600);
  EXPECT_EQ(std::string{usage["time_zone"].GetString()}, "America/New_York");
  EXPECT_TRUE(usage["resets_at_local"].IsString()) << caps.body;
  EXPECT_NE(std::string{usage["resets_at_local"].GetString()}.find("-0"), std::string::npos)
    << "in New York's offset: " << caps.body;

  ASSERT_EQ(::kill(node.pid, SIGTERM), 0);
  EXPECT_EQ(wait_exit(node.pid, seconds{60}), 0) << node.text();
  node.pid = -1;
}

} // namespace
} // namespace ringbid
