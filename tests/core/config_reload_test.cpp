// What a config reload may change in a running node (actors/core/config_reload)
// and the generation a call keeps (actors/core/config_generation).

#include "actors/core/config_generation.hpp"
#include "actors/core/config_reload.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

namespace ringbid {
namespace {

engine_config base() {
  engine_config c;
  campaign_config campaign;
  campaign.id = "c1";
  campaign.buyer_ids = {"a", "b"};
  campaign.greeting_text = "Hello";
  c.campaigns.push_back(campaign);
  source_config source;
  source.id = "s1";
  c.sources.push_back(source);
  for (std::string id : {"a", "b"}) {
    buyer_config b;
    b.id = id;
    c.buyers.push_back(b);
  }
  return c;
}

std::vector<std::string> pointers(const std::vector<restart_note>& changes) {
  std::vector<std::string> out;
  for (const auto& c : changes) out.push_back(c.pointer);
  return out;
}

TEST(ConfigReload, PerCallChangesApplyWithoutARestart) {
  auto old = base();
  auto next = old;
  next.campaigns[0].greeting_text = "Welcome";
  next.campaigns[0].floor_micros = 2'000'000;
  next.campaigns[0].auction_deadline_ms = 800;
  next.campaigns[0].buyer_ids = {"b"};
  next.sources[0].tags = {"spanish"};
  next.buyers[0].min_bid_micros = 3'000'000;
  next.buyers[0].target.states = {"TX"};
  next.timing.max_hold_ms = 60'000;
  next.timing.peer_timeout_ms = 2'000;
  next.not_in_service_text = "Nope.";
  // Caps, new buyers, campaigns and sources, paused and archived ones, and
  // DIDs are live too: the control plane installs them in the running node.
  next.caps.push_back(cap_config{});
  next.buyers[1].daily_cap = 10;
  buyer_config extra;
  extra.id = "z";
  extra.ping_url = "http://127.0.0.1:9/ping";
  next.buyers.push_back(extra);
  campaign_config campaign;
  campaign.id = "c2";
  campaign.active = false;
  next.campaigns.push_back(campaign);
  next.campaigns[0].archived = true;
  next.dids.push_back(did_config{"+15125550100", "c2", "s1", {}, {"c1", 10}});
  auto review = review_reload(old, next);
  EXPECT_TRUE(review.needs_restart.empty()) << pointers(review.needs_restart).front();
}

TEST(ConfigReload, ChangesBuiltIntoTheNodeAreEachNamedAsNeedingARestart) {
  auto old = base();
  auto next = old;
  next.threads = 4;
  next.storage.sqlite_file = "other.db";
  next.timing.ledger_orphan_grace_ms = 1;
  next.buyers[1].ping_url = "http://127.0.0.1:9/ping";
  next.buyers[1].duplicate_window_days = 30;
  buyer_config extra;
  extra.id = "z";
  extra.duplicate_window_days = 40;
  next.buyers.push_back(extra);
  auto review = review_reload(old, next);
  EXPECT_EQ(pointers(review.needs_restart),
            (std::vector<std::string>{"/threads", "/storage", "/timing/ledger_orphan_grace_ms", "/buyers/1/ping_url",
                                      "/buyers/1/duplicate_window_days", "/buyers/2/duplicate_window_days"}));
}

TEST(ConfigGeneration, SettingsKeepTheirGenerationAliveAndPointIntoIt) {
  auto config = std::make_shared<engine_config>(base());
  auto generation = config_generation::make(config, "abc");
  auto settings = generation->settings_for("c1", "s1");
  std::weak_ptr<const config_generation> watch = generation;
  generation.reset();
  config.reset();
  ASSERT_FALSE(watch.expired()) << "a call's settings keep its generation";
  EXPECT_EQ(settings->greeting_text, "Hello");
  ASSERT_NE(settings->roster, nullptr);
  ASSERT_NE(settings->source, nullptr);
  EXPECT_EQ(settings->source->id, "s1");
  ASSERT_EQ(settings->roster->buyers.size(), 2u);
  EXPECT_EQ(settings->roster->buyers[1]->id, "b");
  EXPECT_EQ(watch.lock()->revision(), "abc");
  settings.reset();
  EXPECT_TRUE(watch.expired());
}

TEST(ConfigGeneration, AnUnknownPairGetsTheUnassignedSettings) {
  auto generation = config_generation::make(std::make_shared<engine_config>(base()));
  auto settings = generation->settings_for("c1", "nope");
  EXPECT_EQ(settings->source, nullptr);
  EXPECT_EQ(settings->roster, nullptr);
  EXPECT_EQ(generation->roster_for("nope"), nullptr);
  EXPECT_NE(generation->roster_for("c1"), nullptr);
}

} // namespace
} // namespace ringbid
