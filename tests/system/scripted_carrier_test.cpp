// One call end to end through the node's real supervisor tree, from a carrier
// that is neither the simulator nor Telnyx: the scripted test carrier, plugged
// in through the carrier port alone (no engine change needed for it).

#include "adapters/clock/sim_clock.hpp"
#include "adapters/config/config_json.hpp"
#include "tests/support/deterministic_system.hpp"
#include "tests/support/scripted_carrier.hpp"
#include "tools/node/wiring.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <mutex>

namespace ringbid {
namespace {

/// A lead store in memory: what the recorder hands over, committed at once.
class memory_lead_store final : public lead_store {
public:
  void submit(lead_record lead) override {
    std::lock_guard lock{mutex_};
    leads_.push_back(std::move(lead));
  }
  void flush() override {}
  void track(lead_record, call_state) override {}
  std::vector<lead_record> leads() const {
    std::lock_guard lock{mutex_};
    return leads_;
  }

private:
  mutable std::mutex mutex_;
  std::vector<lead_record> leads_;
};

/// Monday 2026-01-05 14:00 UTC: every demo buyer is open.
constexpr timestamp_us monday_afternoon = 1'767'621'600LL * us_per_s;

/// The demo config with one buyer on the first DID's campaign, which always
/// bids the same: the auction has one possible winner.
engine_config one_buyer_config(std::string& did, std::string& buyer_id) {
  auto loaded = load_config_file(std::string{RINGBID_SOURCE_DIR} + "/examples/demo.json");
  EXPECT_TRUE(loaded.ok()) << format_config_errors(loaded.errors);
  auto cfg = *loaded.config;
  did = cfg.dids.front().number;
  auto campaign = std::find_if(cfg.campaigns.begin(), cfg.campaigns.end(),
                               [&](const campaign_config& c) { return c.id == cfg.dids.front().campaign_id; });
  buyer_id = campaign->buyer_ids.front();
  campaign->buyer_ids = {buyer_id};
  auto& buyer =
    *std::find_if(cfg.buyers.begin(), cfg.buyers.end(), [&](const buyer_config& b) { return b.id == buyer_id; });
  buyer.sim.no_bid_rate = 0;
  buyer.sim.error_rate = 0;
  buyer.sim.bid_stddev_micros = 0;
  buyer.sim.latency_stddev_ms = 0;
  return cfg;
}

TEST(ScriptedCarrier, OneCallThroughTheRealTreeIsBookedBridgedWithItsBuyer) {
  std::string did;
  std::string buyer_id;
  auto config = std::make_shared<const engine_config>(one_buyer_config(did, buyer_id));
  const auto* buyer = config->find_buyer(buyer_id);
  ASSERT_NE(buyer, nullptr);

  testing::deterministic_system ds;
  std::shared_ptr<const wall_clock> clock = make_actor_wall_clock(ds.sys, monday_afternoon);
  auto store = std::make_shared<memory_lead_store>();
  auto parts = make_node_parts(config, clock, store, 7);
  auto carrier = std::make_shared<test::scripted_carrier>(clock);
  auto root = start_node(ds.sys, parts, carrier, std::nullopt);
  ds.sched.run();
  ASSERT_TRUE(carrier->ready()) << "the carrier actor attached itself to the port";

  carrier->place_call("scripted-1", "+12125550123", did);
  // Run on virtual time until the lead is booked (the auction waits for its
  // bid, the call for its timers), or nothing is left to happen.
  for (int steps = 0; store->leads().empty() && steps < 10'000; ++steps) {
    ds.sched.run();
    if (!store->leads().empty() || !ds.sched.trigger_timeout()) break;
  }
  ds.sched.run();

  auto leads = store->leads();
  ASSERT_EQ(leads.size(), 1u);
  const auto& lead = leads.front();
  EXPECT_EQ(lead.carrier_call_id, "scripted-1");
  EXPECT_EQ(lead.outcome, disposition::bridged);
  EXPECT_EQ(lead.buyer_id, buyer_id);
  EXPECT_EQ(lead.destination, buyer->destination);
  EXPECT_NE(lead.bridged_at, 0);

  // The carrier was asked what the script answers, the transfer to that buyer.
  auto commands = carrier->commands();
  auto asked = [&](command_kind kind) {
    return std::count_if(commands.begin(), commands.end(), [&](const carrier_command& c) { return c.kind == kind; });
  };
  EXPECT_EQ(asked(command_kind::answer), 1);
  EXPECT_GE(asked(command_kind::speak), 1);
  ASSERT_EQ(asked(command_kind::transfer), 1);
  auto transfer = std::find_if(commands.begin(), commands.end(),
                               [](const carrier_command& c) { return c.kind == command_kind::transfer; });
  EXPECT_EQ(transfer->payload, buyer->destination);
  EXPECT_EQ(parts.ctx->counters->calls_finished.load(), 1u);
  EXPECT_EQ(carrier->metrics().events_pending, 0u) << "every event reached the calls";

  caf::anon_send_exit(root, caf::exit_reason::user_shutdown);
  ds.sched.run();
  EXPECT_FALSE(carrier->ready()) << "the carrier actor detached itself when it stopped";
}

} // namespace
} // namespace ringbid
