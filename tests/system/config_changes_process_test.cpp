// The control plane under traffic. carrier-sim places calls while the
// configuration changes 100 times (pauses and resumes, floors, a number moved
// between campaigns, a buyer's cap lowered and raised, greetings), committed
// to the node's database as another writer would: every call is routed under
// the revision in force when it started (checked lead by lead), no call is
// dropped, and the cap holds. And kill -9 in the middle of a change leaves the
// revision before it in force, never a torn one.

#include "adapters/config/config_plane.hpp"
#include "adapters/config/config_revision.hpp"
#include "adapters/sqlite/sqlite_config_store.hpp"
#include "tests/support/carrier_sim_process.hpp"
#include "tests/support/process_support.hpp"
#include "tests/support/sqlite_rows.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <string>

namespace ringbid {
namespace {

using namespace ringbid::test;
using std::chrono::seconds;

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out{path, std::ios::binary | std::ios::trunc};
  out << text;
}

timestamp_us wall_now() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
    .count();
}

/// The change number `i` of the run, as an edit of the head document.
config_edit change_number(int i) {
  return [i](config_document& d) -> std::optional<edit_result> {
    switch (i % 5) {
      case 0: d.set_member(entity_kind::campaign, "auto-ins-national", "active", "false"); break;
      case 1:
        d.set_member(entity_kind::campaign, "auto-ins-national", "active", "true");
        d.set_member(entity_kind::campaign, "auto-ins-national", "floor", std::to_string(10 + i % 7) + ".50");
        break;
      case 2: d.set_member(entity_kind::did, "+18445550101", "campaign_id", "\"plumbing-ca-tx\""); break;
      case 3:
        d.set_member(entity_kind::did, "+18445550101", "campaign_id", "\"auto-ins-national\"");
        d.set_member(entity_kind::buyer, "shieldline-auto", "daily_cap", std::to_string(6 + i % 3));
        break;
      default:
        d.set_member(entity_kind::campaign, "plumbing-ca-tx", "greeting_text",
                     "\"Thanks for calling, change " + std::to_string(i) + ".\"");
    }
    return std::nullopt;
  };
}

TEST(ConfigChangesProcess, AHundredChangesUnderTrafficRouteEveryCallUnderTheRevisionInForceWhenItStarted) {
  auto dir = temp_dir("config-changes");
  auto db = dir + "/ringbid-demo.db";
  auto port = free_port();
  const int calls = 300;
  auto sim = start_carrier(dir, port, calls, 12, 20);
  auto log = dir + "/node.log";
  auto node = spawn_logged({bin + "ringbid-node", "--config", src + "/examples/demo.json", "--data-dir", dir, "--http",
                            "127.0.0.1:" + std::to_string(port), "--carrier", "telnyx", "--telnyx-api-url", sim.api,
                            "--telnyx-public-key", sim.public_key, "--telnyx-connection-id", "carrier-sim",
                            "--drain-mode", "finish"},
                           log);
  ASSERT_GT(node, 0);
  ASSERT_TRUE(wait_until([&] { return read_file(log).find("' up: ") != std::string::npos; }, seconds{60}))
    << read_file(log);

  std::string error;
  auto store = sqlite_config_store::open(db, &error);
  ASSERT_TRUE(store) << error;
  config_plane plane{store, wall_now};
  std::map<int64_t, timestamp_us> committed_at{{1, 0}};
  auto leads = [&] { return count_rows(db, "leads"); };
  for (int i = 0; i < 100; ++i) {
    // Paced by the traffic: at least one more call booked between changes.
    auto before = leads();
    auto r = plane.edit(change_number(i), config_author{"test", "manager", "change " + std::to_string(i)});
    ASSERT_EQ(r.status, edit_status::committed) << i << " " << r.message;
    committed_at[r.number] = wall_now();
    ASSERT_TRUE(wait_until([&] { return leads() > before; }, seconds{60})) << read_file(log);
  }
  int sim_exit = wait_exit(sim.pid, seconds{240});
  ASSERT_EQ(sim_exit, 0) << read_file(sim.log) << read_file(log);
  ASSERT_TRUE(wait_until([&] { return leads() >= size_t(calls); }, seconds{60})) << read_file(log);
  ::kill(node, SIGTERM);
  EXPECT_EQ(wait_exit(node, seconds{60}), 0) << read_file(log);

  // The revision new calls take is the newest one installed; installing takes
  // the node's poll (20 ms) and a few ms: a call that starts is routed under
  // a revision committed before it started, and not one committed more than
  // two seconds before the next.
  auto in_force_at = [&](timestamp_us t) {
    int64_t newest = 1;
    for (const auto& [n, at] : committed_at)
      if (at <= t) newest = n;
    return newest;
  };
  std::map<int64_t, std::shared_ptr<const config_snapshot>> revisions;
  size_t paused = 0, moved = 0, shieldline = 0;
  auto rows = query(db, "SELECT did, campaign_id, outcome, config_revision, started_at, buyer_id FROM leads");
  ASSERT_EQ(rows.size(), size_t(calls)) << "every placed call has its lead";
  for (const auto& row : rows) {
    auto revision = std::stoll(row[3]);
    auto started = std::stoll(row[4]);
    ASSERT_TRUE(committed_at.count(revision)) << "lead under unknown revision " << revision;
    EXPECT_LE(revision, in_force_at(started + 1'000)) << "routed under a revision committed after the call started";
    EXPECT_GE(revision, in_force_at(started - 2'000'000)) << "routed under a stale revision";
    auto& snap = revisions[revision];
    if (!snap) snap = plane.revision(revision, &error);
    ASSERT_TRUE(snap) << error;
    const auto& cfg = *snap->config;
    const did_config* did = nullptr;
    for (const auto& d : cfg.dids)
      if (d.number == row[0]) did = &d;
    if (did == nullptr) { // carrier-sim dials a few numbers nobody tracks
      EXPECT_EQ(row[2], "unknown_number") << row[0];
      continue;
    }
    EXPECT_EQ(row[1], did->campaign_id) << row[0] << " under revision " << revision;
    bool campaign_paused = !cfg.find_campaign(did->campaign_id)->active;
    EXPECT_EQ(row[2] == "paused", campaign_paused) << row[0] << " " << row[2] << " under revision " << revision;
    EXPECT_NE(row[2], "interrupted");
    paused += row[2] == "paused" ? 1 : 0;
    moved += row[0] == "+18445550101" && row[1] == "plumbing-ca-tx" ? 1 : 0;
    shieldline += row[5] == "shieldline-auto" && row[2] == "bridged" ? 1 : 0;
  }
  EXPECT_GT(paused, 0u) << "some calls met a paused campaign";
  EXPECT_GT(moved, 0u) << "some calls followed the moved number";
  // The cap moved between 6 and 8 (counted when bridged) and never revoked.
  EXPECT_LE(shieldline, 8u);
  std::cout << "[ figures  ] " << calls << " calls, 100 changes (revisions 2-" << committed_at.rbegin()->first << "), "
            << revisions.size() << " revisions routed calls, " << paused << " paused, " << moved
            << " on the moved number, shieldline bridged " << shieldline << "\n";
  std::filesystem::remove_all(dir);
}

TEST(ConfigChangesProcess, KillNineDuringAChangeLeavesThePreviousRevisionInForce) {
  auto dir = temp_dir("config-kill");
  auto db = dir + "/node.db";
  auto demo = read_file(src + "/examples/demo.json");
  auto other = demo;
  other.replace(other.find("\"threads\": 2"), 12, "\"threads\": 3");
  write_file(dir + "/a.json", demo);
  write_file(dir + "/b.json", other);
  std::mt19937 rng{std::random_device{}()};
  int killed_mid_way = 0;
  for (int trial = 0; trial < 20; ++trial) {
    auto file = dir + (trial % 2 == 0 ? "/a.json" : "/b.json");
    auto pid = spawn_logged({bin + "ringbid", "config", "--db", db, "import", file}, dir + "/import.log");
    ASSERT_GT(pid, 0);
    // A random instant within the import (validation, then the commit).
    std::this_thread::sleep_for(std::chrono::microseconds{std::uniform_int_distribution<int>{0, 30'000}(rng)});
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (WIFSIGNALED(status)) ++killed_mid_way;
    // Whatever happened, the database holds whole revisions, numbered without gaps.
    std::string error;
    auto store = sqlite_config_store::open(db, &error);
    ASSERT_TRUE(store) << error;
    config_plane plane{store, wall_now};
    auto head = store->head_number();
    ASSERT_GE(head, 0);
    auto history = store->history(0, 1000, &error);
    ASSERT_EQ(history.size(), size_t(head)) << error;
    for (size_t i = 0; i < history.size(); ++i) EXPECT_EQ(history[i].number, head - int64_t(i));
    if (head > 0) {
      auto snap = plane.head(&error);
      ASSERT_TRUE(snap) << error;
      EXPECT_EQ(snap->info.digest, config_revision(snap->document->text()));
    }
  }
  EXPECT_GT(killed_mid_way, 0);
  // And the next import on the same file goes through.
  auto r = run(bin + "ringbid config --db " + db + " import " + dir + "/b.json");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::filesystem::remove_all(dir);
}

} // namespace
} // namespace ringbid
