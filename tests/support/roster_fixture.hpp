#pragma once
// A campaign with its buyers and their compiled filters, as a node builds it,
// for tests of the auction round.

#include "actors/core/campaign_roster.hpp"
#include "actors/core/config.hpp"
#include "actors/core/eligibility.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <string>

namespace ringbid::testing {

struct roster_fixture {
  campaign_config campaign;
  std::deque<buyer_config> buyers; // stable addresses
  std::deque<buyer_filter> filters;
  campaign_roster roster;

  roster_fixture() {
    campaign.id = "c1";
    campaign.vertical = "solar";
    campaign.floor_micros = 2'000'000;
    campaign.auction_deadline_ms = 500;
  }

  buyer_config& add(std::string id) {
    auto& b = buyers.emplace_back();
    b.id = std::move(id);
    b.destination = "+15550000000";
    return b;
  }

  const campaign_roster& build() {
    roster.campaign = &campaign;
    roster.buyers.clear();
    roster.filters.clear();
    filters.clear();
    for (auto& b : buyers) {
      std::string error;
      auto f = buyer_filter::compile(b, &error);
      EXPECT_TRUE(f) << error;
      filters.push_back(std::move(*f));
      roster.buyers.push_back(&b);
      roster.filters.push_back(&filters.back());
    }
    return roster;
  }
};

} // namespace ringbid::testing
