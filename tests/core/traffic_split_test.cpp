// Traffic shifting between campaigns (actors/core/traffic_split) and routing
// a number under one configuration generation (actors/core/config_generation).

#include "actors/core/config_generation.hpp"
#include "actors/core/traffic_split.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace ringbid {
namespace {

std::string caller(int i) { return "+1512555" + std::to_string(1'000'000 + i).substr(1); }

TEST(TrafficSplit, TheBucketIsStableAndSpread) {
  EXPECT_EQ(split_bucket("+15125550100", "+18005550100"), split_bucket("+15125550100", "+18005550100"));
  int below_30 = 0;
  for (int i = 0; i < 10'000; ++i) {
    auto b = split_bucket(caller(i), "+18005550100");
    ASSERT_GE(b, 0);
    ASSERT_LT(b, 100);
    below_30 += b < 30 ? 1 : 0;
  }
  EXPECT_NEAR(below_30, 3'000, 250);
}

TEST(TrafficSplit, ASplitSendsItsShareOfCallersAndEachCallerStaysOnItsSide) {
  traffic_split none;
  traffic_split to_new{"new", 20};
  int moved = 0;
  for (int i = 0; i < 5'000; ++i) {
    auto first = split_campaign("old", to_new, none, caller(i), "+18005550100");
    EXPECT_EQ(first, split_campaign("old", to_new, none, caller(i), "+18005550100")) << "sticky per caller";
    if (first == "new") ++moved;
    // Raising the share only moves callers from old to new.
    auto raised = split_campaign("old", traffic_split{"new", 60}, none, caller(i), "+18005550100");
    if (first == "new") {
      EXPECT_EQ(raised, "new");
    }
  }
  EXPECT_NEAR(moved, 1'000, 150);
  EXPECT_EQ(split_campaign("old", traffic_split{"new", 0}, none, caller(1), "d"), "old");
  EXPECT_EQ(split_campaign("old", traffic_split{"new", 100}, none, caller(1), "d"), "new");
  EXPECT_EQ(split_campaign("old", none, none, caller(1), "d"), "old");
  // The source's split applies when the number has none.
  EXPECT_EQ(split_campaign("old", none, traffic_split{"new", 100}, caller(1), "d"), "new");
  EXPECT_EQ(split_campaign("old", traffic_split{"other", 100}, traffic_split{"new", 100}, caller(1), "d"), "other");
}

engine_config routed_config() {
  engine_config c;
  for (const char* id : {"old", "new", "gone"}) {
    campaign_config campaign;
    campaign.id = id;
    c.campaigns.push_back(campaign);
  }
  c.campaigns[2].archived = true;
  source_config s;
  s.id = "pub";
  c.sources.push_back(s);
  c.dids.push_back(did_config{"+18005550100", "old", "pub", {"spanish"}, {"new", 100}});
  c.dids.push_back(did_config{"+18005550101", "old", "pub", {}, {}});
  c.dids.push_back(did_config{"+18005550102", "gone", "pub", {}, {}});
  return c;
}

TEST(ConfigGeneration, RoutesTheNumbersItListsWithTheirSplits) {
  auto g = config_generation::make(std::make_shared<engine_config>(routed_config()), "abc", 7);
  EXPECT_EQ(g->revision_number(), 7);
  auto r = g->route("+18005550100", "+15125550199");
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->found);
  EXPECT_EQ(r->campaign_id, "new");
  EXPECT_EQ(r->source_id, "pub");
  EXPECT_EQ(r->tags, std::vector<std::string>{"spanish"});
  r = g->route("+18005550101", "+15125550199");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->campaign_id, "old");
  // A number on an archived campaign takes no calls; an unlisted one asks the directory.
  r = g->route("+18005550102", "+15125550199");
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->found);
  EXPECT_FALSE(g->route("+18005550199", "+15125550199").has_value());
}

TEST(ConfigGeneration, AnArchivedBuyerLeavesTheRoster) {
  auto cfg = routed_config();
  for (const char* id : {"a", "b"}) {
    buyer_config b;
    b.id = id;
    cfg.buyers.push_back(b);
  }
  cfg.buyers[1].archived = true;
  cfg.campaigns[0].buyer_ids = {"a", "b"};
  auto g = config_generation::make(std::make_shared<engine_config>(cfg));
  const auto* roster = g->roster_for("old");
  ASSERT_NE(roster, nullptr);
  ASSERT_EQ(roster->buyers.size(), 1u);
  EXPECT_EQ(roster->buyers[0]->id, "a");
}

} // namespace
} // namespace ringbid
