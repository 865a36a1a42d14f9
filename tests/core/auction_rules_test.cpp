// Unit tests for the pure auction rules: which collected bids may win and in
// what order the call tries them.

#include "actors/core/auction_rules.hpp"

#include "tests/support/auction_fixtures.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace ringbid {
namespace {

constexpr timestamp_us t0 = 1'700'000'000 * us_per_s;

/// A valid bid: 10 USD, 60 s expiry, received at t0, its own destination.
collected_bid valid_bid(std::string buyer, int64_t amount = 10'000'000, uint64_t token = 1) {
  collected_bid b;
  b.response.buyer_id = std::move(buyer);
  b.response.kind = bid_kind::bid;
  b.response.amount_micros = amount;
  b.response.currency = "USD";
  b.response.expires_in_s = 60;
  b.response.destination = "+15550001111";
  b.token = token;
  b.received_at = t0;
  b.buyer_min_bid_micros = 0;
  b.buyer_destination = "+15559990000";
  return b;
}

routing_rules floor_only(int64_t floor) {
  routing_rules rules;
  rules.floor_micros = floor;
  return rules;
}

/// Ranks one bid and returns the single rejection reason ("" when it is valid).
std::string reason_for(collected_bid b, int64_t floor = 0, timestamp_us now = t0 + us_per_s) {
  std::vector<collected_bid> bids;
  bids.push_back(std::move(b));
  auto r = rank_bids(std::move(bids), floor_only(floor), now);
  EXPECT_EQ(r.offers.size() + r.rejected.size(), 1u);
  if (!r.rejected.empty()) return r.rejected.front().reason;
  return {};
}

std::vector<std::string> buyers_of(const ranking& r) {
  std::vector<std::string> out;
  for (const auto& o : r.offers) out.push_back(o.buyer_id);
  return out;
}

TEST(AuctionRules, EmptyRoundYieldsNothing) {
  auto r = rank_bids({}, floor_only(0), t0);
  EXPECT_TRUE(r.offers.empty());
  EXPECT_TRUE(r.rejected.empty());
}

TEST(AuctionRules, ValidBidBecomesAnOffer) {
  auto r = rank_bids({valid_bid("a", 12'345'678, 77)}, floor_only(1'000'000), t0 + us_per_s);
  ASSERT_EQ(r.offers.size(), 1u);
  EXPECT_TRUE(r.rejected.empty());
  const auto& o = r.offers.front();
  EXPECT_EQ(o.buyer_id, "a");
  EXPECT_EQ(o.amount_micros, 12'345'678);
  EXPECT_EQ(o.destination, "+15550001111");
  EXPECT_EQ(o.expires_at, t0 + 60 * us_per_s);
  EXPECT_EQ(o.token, 77u);
}

TEST(AuctionRules, NoBidIsRejectedWithItsReason) {
  auto b = valid_bid("a");
  b.response.kind = bid_kind::no_bid;
  EXPECT_EQ(reason_for(b), "no bid");
  b.response.reason = "capped";
  EXPECT_EQ(reason_for(b), "no bid: capped");
}

TEST(AuctionRules, ErrorIsRejectedWithItsReason) {
  auto b = valid_bid("a");
  b.response.kind = bid_kind::error;
  EXPECT_EQ(reason_for(b), "error");
  b.response.reason = "timeout";
  EXPECT_EQ(reason_for(b), "error: timeout");
}

TEST(AuctionRules, NonPositiveAmountIsMalformed) {
  auto b = valid_bid("a", 0);
  EXPECT_EQ(reason_for(b), "malformed: amount not positive");
  b.response.amount_micros = -5;
  EXPECT_EQ(reason_for(b), "malformed: amount not positive");
  b.response.amount_micros = 1;
  EXPECT_EQ(reason_for(b), "");
}

TEST(AuctionRules, ForeignCurrencyIsMalformed) {
  auto b = valid_bid("a");
  b.response.currency = "EUR";
  EXPECT_EQ(reason_for(b), "malformed: currency EUR");
  b.response.currency = "usd"; // exact match only
  EXPECT_EQ(reason_for(b), "malformed: currency usd");
  b.response.currency = "";
  EXPECT_EQ(reason_for(b), "malformed: currency ");
}

TEST(AuctionRules, ZeroOrNegativeExpiryIsExpired) {
  auto b = valid_bid("a");
  b.response.expires_in_s = 0;
  EXPECT_EQ(reason_for(b, 0, t0), "expired");
  b.response.expires_in_s = -10;
  EXPECT_EQ(reason_for(b, 0, t0), "expired");
}

TEST(AuctionRules, ExpiredByCloseTime) {
  auto b = valid_bid("a");
  b.response.expires_in_s = 2;
  // Still valid one microsecond before expiry, expired exactly at expiry.
  EXPECT_EQ(reason_for(b, 0, t0 + 2 * us_per_s - 1), "");
  EXPECT_EQ(reason_for(b, 0, t0 + 2 * us_per_s), "expired");
  EXPECT_EQ(reason_for(b, 0, t0 + 3 * us_per_s), "expired");
}

TEST(AuctionRules, BelowCampaignFloor) {
  auto b = valid_bid("a", 4'999'999);
  EXPECT_EQ(reason_for(b, 5'000'000), "below campaign floor ($4.999999 < $5.00)");
  b.response.amount_micros = 5'000'000; // equal to the floor is fine
  EXPECT_EQ(reason_for(b, 5'000'000), "");
}

TEST(AuctionRules, BelowBuyerMinimum) {
  auto b = valid_bid("a", 7'000'000);
  b.buyer_min_bid_micros = 7'000'001;
  EXPECT_EQ(reason_for(b), "below buyer minimum ($7.00 < $7.000001)");
  b.buyer_min_bid_micros = 7'000'000;
  EXPECT_EQ(reason_for(b), "");
}

TEST(AuctionRules, NoDestinationAnywhere) {
  auto b = valid_bid("a");
  b.response.destination.clear();
  b.buyer_destination.clear();
  EXPECT_EQ(reason_for(b), "no destination");
}

TEST(AuctionRules, DestinationFallsBackToTheBuyers) {
  auto b = valid_bid("a");
  b.response.destination.clear();
  auto r = rank_bids({b}, floor_only(0), t0);
  ASSERT_EQ(r.offers.size(), 1u);
  EXPECT_EQ(r.offers.front().destination, "+15559990000");
  // A bid naming its own destination keeps it.
  auto own = valid_bid("b");
  own.response.destination = "sip:agent@buyer.example";
  r = rank_bids({own}, floor_only(0), t0);
  ASSERT_EQ(r.offers.size(), 1u);
  EXPECT_EQ(r.offers.front().destination, "sip:agent@buyer.example");
}

TEST(AuctionRules, RejectionPrecedence) {
  // A no-bid is reported as such even if its other fields are garbage.
  auto b = valid_bid("a", -1);
  b.response.kind = bid_kind::no_bid;
  b.response.currency = "EUR";
  EXPECT_EQ(reason_for(b), "no bid");
  // Amount is checked before currency, currency before expiry, expiry before floor.
  b = valid_bid("a", 0);
  b.response.currency = "EUR";
  EXPECT_EQ(reason_for(b), "malformed: amount not positive");
  b = valid_bid("a", 1);
  b.response.currency = "EUR";
  b.response.expires_in_s = 0;
  EXPECT_EQ(reason_for(b), "malformed: currency EUR");
  b = valid_bid("a", 1);
  b.response.expires_in_s = 0;
  EXPECT_EQ(reason_for(b, 1'000'000), "expired");
  b = valid_bid("a", 1);
  b.buyer_min_bid_micros = 100;
  EXPECT_EQ(reason_for(b, 50), "below campaign floor ($0.000001 < $0.00005)");
  b = valid_bid("a", 60);
  b.buyer_min_bid_micros = 100;
  b.response.destination.clear();
  b.buyer_destination.clear();
  EXPECT_EQ(reason_for(b, 50), "below buyer minimum ($0.00006 < $0.0001)");
}

TEST(AuctionRules, RejectedCarryBuyerAndTokenInInputOrder) {
  std::vector<collected_bid> bids;
  auto nb = valid_bid("nob", 1, 11);
  nb.response.kind = bid_kind::no_bid;
  bids.push_back(nb);
  bids.push_back(valid_bid("good", 5'000'000, 12));
  auto low = valid_bid("low", 100, 13);
  bids.push_back(low);
  auto err = valid_bid("err", 1, 14);
  err.response.kind = bid_kind::error;
  bids.push_back(err);
  auto r = rank_bids(std::move(bids), floor_only(1'000), t0);
  ASSERT_EQ(r.offers.size(), 1u);
  EXPECT_EQ(r.offers[0].token, 12u);
  ASSERT_EQ(r.rejected.size(), 3u);
  EXPECT_EQ(r.rejected[0].buyer_id, "nob");
  EXPECT_EQ(r.rejected[0].token, 11u);
  EXPECT_EQ(r.rejected[1].buyer_id, "low");
  EXPECT_EQ(r.rejected[1].token, 13u);
  EXPECT_EQ(r.rejected[1].reason, "below campaign floor ($0.0001 < $0.001)");
  EXPECT_EQ(r.rejected[2].buyer_id, "err");
  EXPECT_EQ(r.rejected[2].token, 14u);
}

TEST(AuctionRules, RankedByAmountDescending) {
  auto r = rank_bids({valid_bid("a", 5, 1), valid_bid("b", 9, 2), valid_bid("c", 7, 3)}, floor_only(0), t0);
  EXPECT_EQ(buyers_of(r), (std::vector<std::string>{"b", "c", "a"}));
  ASSERT_EQ(r.offers.size(), 3u);
  EXPECT_EQ(r.offers[0].token, 2u);
  EXPECT_EQ(r.offers[1].token, 3u);
  EXPECT_EQ(r.offers[2].token, 1u);
}

TEST(AuctionRules, EqualAmountsEarlierArrivalWins) {
  auto late = valid_bid("a", 8, 1);
  late.received_at = t0 + 300;
  auto early = valid_bid("z", 8, 2);
  early.received_at = t0 + 100;
  auto r = rank_bids({late, early}, floor_only(0), t0 + 1'000);
  EXPECT_EQ(buyers_of(r), (std::vector<std::string>{"z", "a"}));
  // A higher amount still beats an earlier arrival.
  auto rich_late = valid_bid("y", 9, 3);
  rich_late.received_at = t0 + 900;
  r = rank_bids({late, early, rich_late}, floor_only(0), t0 + 1'000);
  EXPECT_EQ(buyers_of(r), (std::vector<std::string>{"y", "z", "a"}));
}

TEST(AuctionRules, EqualAmountAndArrivalLowerBuyerIdWins) {
  auto r = rank_bids({valid_bid("buyer-c", 8), valid_bid("buyer-a", 8), valid_bid("buyer-b", 8)}, floor_only(0), t0);
  EXPECT_EQ(buyers_of(r), (std::vector<std::string>{"buyer-a", "buyer-b", "buyer-c"}));
  // Byte order: upper case sorts before lower case.
  r = rank_bids({valid_bid("b", 8), valid_bid("B", 8)}, floor_only(0), t0);
  EXPECT_EQ(buyers_of(r), (std::vector<std::string>{"B", "b"}));
}

TEST(AuctionRules, RankingDoesNotDependOnInputOrder) {
  std::vector<collected_bid> bids;
  for (int i = 0; i < 6; ++i) {
    auto b = valid_bid("buyer-" + std::to_string(i), 1'000 * (i % 3 + 1), static_cast<uint64_t>(i + 1));
    b.received_at = t0 + (i % 2) * 10;
    bids.push_back(b);
  }
  auto forward = rank_bids(bids, floor_only(0), t0 + 100);
  std::vector<collected_bid> reversed(bids.rbegin(), bids.rend());
  auto backward = rank_bids(reversed, floor_only(0), t0 + 100);
  EXPECT_EQ(buyers_of(forward), buyers_of(backward));
  // amount 3000: buyer-2 (t0), buyer-5 (t0+10); 2000: buyer-4 (t0), buyer-1 (t0+10);
  // 1000: buyer-0 (t0), buyer-3 (t0+10).
  EXPECT_EQ(buyers_of(forward),
            (std::vector<std::string>{"buyer-2", "buyer-5", "buyer-4", "buyer-1", "buyer-0", "buyer-3"}));
}

TEST(AuctionRules, ExpiresAtIsArrivalPlusExpiry) {
  auto a = valid_bid("a", 9, 1);
  a.received_at = t0 + 250'000;
  a.response.expires_in_s = 45;
  auto b = valid_bid("b", 8, 2);
  b.received_at = t0 + 10;
  b.response.expires_in_s = 1;
  auto r = rank_bids({a, b}, floor_only(0), t0 + 500'000);
  ASSERT_EQ(r.offers.size(), 2u);
  EXPECT_EQ(r.offers[0].expires_at, t0 + 250'000 + 45 * us_per_s);
  EXPECT_EQ(r.offers[1].expires_at, t0 + 10 + us_per_s);
}

TEST(AuctionRules, LargeExpiryDoesNotOverflow) {
  auto b = valid_bid("a");
  b.response.expires_in_s = 2'000'000'000; // ~63 years, computed in 64 bits
  auto r = rank_bids({b}, floor_only(0), t0);
  ASSERT_EQ(r.offers.size(), 1u);
  EXPECT_EQ(r.offers[0].expires_at, t0 + int64_t{2'000'000'000} * us_per_s);
}

TEST(AuctionRules, MixedRoundSplitsValidAndRejected) {
  std::vector<collected_bid> bids;
  bids.push_back(valid_bid("v1", 3'000'000, 1));
  auto expired = valid_bid("x1", 9'000'000, 2);
  expired.response.expires_in_s = 1;
  bids.push_back(expired);
  bids.push_back(valid_bid("v2", 4'000'000, 3));
  auto eur = valid_bid("x2", 9'000'000, 4);
  eur.response.currency = "EUR";
  bids.push_back(eur);
  auto r = rank_bids(std::move(bids), floor_only(2'000'000), t0 + 5 * us_per_s);
  EXPECT_EQ(buyers_of(r), (std::vector<std::string>{"v2", "v1"}));
  ASSERT_EQ(r.rejected.size(), 2u);
  EXPECT_EQ(r.rejected[0].reason, "expired");
  EXPECT_EQ(r.rejected[0].token, 2u);
  EXPECT_EQ(r.rejected[1].reason, "malformed: currency EUR");
  EXPECT_EQ(r.rejected[1].token, 4u);
}

} // namespace
// -- clearing prices -----------------------------------------------------------

using test::second_price;

TEST(AuctionClearing, FirstPricePaysOwnBid) {
  auto r = rank_bids({valid_bid("a", 20'000'000), valid_bid("b", 15'000'000)}, floor_only(1'000'000), t0);
  ASSERT_EQ(r.offers.size(), 2u);
  EXPECT_EQ(r.offers[0].amount_micros, 20'000'000);
  EXPECT_EQ(r.offers[0].bid_micros, 20'000'000);
  EXPECT_EQ(r.offers[1].amount_micros, 15'000'000);
}

TEST(AuctionClearing, SecondPricePaysRunnerUpPlusIncrement) {
  auto r = rank_bids({valid_bid("a", 20'000'000), valid_bid("b", 15'000'000), valid_bid("c", 9'000'000)},
                     second_price(5'000'000, 10'000), t0);
  ASSERT_EQ(r.offers.size(), 3u);
  EXPECT_EQ(r.offers[0].buyer_id, "a");
  EXPECT_EQ(r.offers[0].bid_micros, 20'000'000);
  EXPECT_EQ(r.offers[0].amount_micros, 15'010'000);
  // A fallback offer is priced against the one after it, the last against the floor.
  EXPECT_EQ(r.offers[1].amount_micros, 9'010'000);
  EXPECT_EQ(r.offers[2].amount_micros, 5'010'000);
}

TEST(AuctionClearing, SecondPriceNeverAboveOwnBid) {
  // Tied bids: the runner-up plus the increment would exceed the winner's bid.
  auto r = rank_bids({valid_bid("a", 12'000'000), valid_bid("b", 12'000'000)}, second_price(0, 250'000), t0);
  ASSERT_EQ(r.offers.size(), 2u);
  EXPECT_EQ(r.offers[0].amount_micros, 12'000'000);
  // Alone at the floor: floor + increment is capped at the bid.
  r = rank_bids({valid_bid("a", 5'000'000)}, second_price(5'000'000, 250'000), t0);
  EXPECT_EQ(r.offers[0].amount_micros, 5'000'000);
  // Alone, well above the floor.
  r = rank_bids({valid_bid("a", 30'000'000)}, second_price(5'000'000, 250'000), t0);
  EXPECT_EQ(r.offers[0].amount_micros, 5'250'000);
}

TEST(AuctionClearing, SecondPriceIgnoresInvalidBids) {
  auto expired = valid_bid("x", 25'000'000);
  expired.response.expires_in_s = 1;
  auto r =
    rank_bids({valid_bid("a", 20'000'000), expired, valid_bid("b", 11'000'000)}, second_price(0, 0), t0 + 2 * us_per_s);
  ASSERT_EQ(r.offers.size(), 2u);
  EXPECT_EQ(r.offers[0].amount_micros, 11'000'000);
}

TEST(AuctionClearing, FixedPayoutBuyerPaysItsFixedPrice) {
  auto fixed = valid_bid("f", 18'000'000);
  fixed.fixed = true;
  auto r = rank_bids({fixed, valid_bid("a", 10'000'000)}, second_price(0, 10'000), t0);
  ASSERT_EQ(r.offers.size(), 2u);
  EXPECT_EQ(r.offers[0].buyer_id, "f");
  EXPECT_EQ(r.offers[0].amount_micros, 18'000'000);
  // ...while it still sets the price of the bid above it.
  r = rank_bids({fixed, valid_bid("a", 30'000'000)}, second_price(0, 10'000), t0);
  EXPECT_EQ(r.offers[0].buyer_id, "a");
  EXPECT_EQ(r.offers[0].amount_micros, 18'010'000);
}

TEST(AuctionClearing, SecondPriceAppliesToAuctionsOnly) {
  auto rules = second_price(0, 10'000);
  rules.strategy = routing_strategy::waterfall;
  auto r = rank_bids({valid_bid("a", 20'000'000), valid_bid("b", 15'000'000)}, rules, t0);
  EXPECT_EQ(r.offers[0].amount_micros, 20'000'000);
}

// -- tie-breaks and order reasons ----------------------------------------------

TEST(AuctionTies, EqualBidsBetterPriorityFirst) {
  auto a = valid_bid("a", 8);
  a.priority = 2;
  a.received_at = t0;
  auto b = valid_bid("b", 8);
  b.priority = 1;
  b.received_at = t0 + 50;
  auto r = rank_bids({a, b}, floor_only(0), t0 + 100);
  EXPECT_EQ(buyers_of(r), (std::vector<std::string>{"b", "a"}));
  EXPECT_EQ(r.order_reasons[0], "highest valid bid");
  EXPECT_EQ(r.order_reasons[1], "tied with b, lower priority");
}

TEST(AuctionTies, OrderReasonsNameTheBuyerAhead) {
  auto late = valid_bid("late", 8);
  late.received_at = t0 + 10;
  auto r = rank_bids({valid_bid("top", 9), late, valid_bid("early", 8)}, floor_only(0), t0 + 100);
  EXPECT_EQ(buyers_of(r), (std::vector<std::string>{"top", "early", "late"}));
  EXPECT_EQ(r.order_reasons[1], "outbid by top ($0.000008 < $0.000009)");
  EXPECT_EQ(r.order_reasons[2], "tied with early, answered later");
  r = rank_bids({valid_bid("b", 8), valid_bid("a", 8)}, floor_only(0), t0);
  EXPECT_EQ(r.order_reasons[1], "tied with a, higher buyer id");
}

// -- strategies ----------------------------------------------------------------

collected_bid tiered(std::string buyer, int32_t priority, int32_t weight, uint32_t position, int64_t amount) {
  auto b = valid_bid(std::move(buyer), amount);
  b.priority = priority;
  b.weight = weight;
  b.list_position = position;
  return b;
}

TEST(RoutingStrategy, WaterfallFollowsPriorityThenBid) {
  routing_rules rules;
  rules.strategy = routing_strategy::waterfall;
  auto r = rank_bids(
    {tiered("cheap-first", 1, 1, 0, 5), tiered("rich-second", 2, 1, 1, 50), tiered("richer-first", 1, 1, 2, 9)}, rules,
    t0);
  EXPECT_EQ(buyers_of(r), (std::vector<std::string>{"richer-first", "cheap-first", "rich-second"}));
  EXPECT_EQ(r.order_reasons[0], "first by priority");
  EXPECT_EQ(r.order_reasons[2], "priority 2 after 1");
}

TEST(RoutingStrategy, RoundRobinRotatesOverTheList) {
  routing_rules rules;
  rules.strategy = routing_strategy::round_robin;
  rules.roster_size = 3;
  std::vector<collected_bid> bids{tiered("a", 1, 1, 0, 5), tiered("b", 1, 1, 1, 9), tiered("c", 1, 1, 2, 7)};
  std::map<std::string, int> first;
  for (uint64_t turn = 0; turn < 300; ++turn) {
    rules.rotation = turn;
    auto r = rank_bids(bids, rules, t0);
    ASSERT_EQ(r.offers.size(), 3u);
    ++first[r.offers[0].buyer_id];
    // The rest follow in list order, wrapping around.
    auto start = turn % 3;
    EXPECT_EQ(r.offers[0].buyer_id, bids[start].response.buyer_id);
    EXPECT_EQ(r.offers[1].buyer_id, bids[(start + 1) % 3].response.buyer_id);
  }
  EXPECT_EQ(first["a"], 100);
  EXPECT_EQ(first["b"], 100);
  EXPECT_EQ(first["c"], 100);
}

TEST(RoutingStrategy, RoundRobinSkipsTheMissingTurn) {
  // "b" (position 1) did not answer: on its turn the next in the list goes first.
  routing_rules rules;
  rules.strategy = routing_strategy::round_robin;
  rules.roster_size = 3;
  rules.rotation = 1;
  auto r = rank_bids({tiered("a", 1, 1, 0, 5), tiered("c", 1, 1, 2, 7)}, rules, t0);
  EXPECT_EQ(buyers_of(r), (std::vector<std::string>{"c", "a"}));
}

TEST(RoutingStrategy, WeightedSharesFollowWeightsWithinTheBestTier) {
  routing_rules rules;
  rules.strategy = routing_strategy::weighted;
  std::vector<collected_bid> bids{tiered("w1", 1, 1, 0, 5), tiered("w3", 1, 3, 1, 5), tiered("w6", 1, 6, 2, 5),
                                  tiered("tier2", 2, 100, 3, 99)};
  std::map<std::string, int> first;
  constexpr int draws = 20'000;
  for (int i = 0; i < draws; ++i) {
    rules.random_seed = static_cast<uint64_t>(i) * 7919 + 13;
    auto r = rank_bids(bids, rules, t0);
    ASSERT_EQ(r.offers.size(), 4u);
    ++first[r.offers[0].buyer_id];
    EXPECT_EQ(r.offers[3].buyer_id, "tier2"); // a worse tier only ever falls back
  }
  EXPECT_EQ(first["tier2"], 0);
  // Expected shares 10%, 30%, 60%; a binomial standard deviation is < 0.4% here.
  EXPECT_NEAR(first["w1"] / double(draws), 0.1, 0.015);
  EXPECT_NEAR(first["w3"] / double(draws), 0.3, 0.015);
  EXPECT_NEAR(first["w6"] / double(draws), 0.6, 0.015);
}

TEST(RoutingStrategy, WeightedIsReproducibleAndIndependentOfArrivalOrder) {
  routing_rules rules;
  rules.strategy = routing_strategy::weighted;
  rules.random_seed = 42;
  std::vector<collected_bid> bids{tiered("a", 1, 2, 0, 5), tiered("b", 1, 2, 1, 5), tiered("c", 1, 2, 2, 5)};
  auto forward = rank_bids(bids, rules, t0);
  std::vector<collected_bid> reversed(bids.rbegin(), bids.rend());
  EXPECT_EQ(buyers_of(forward), buyers_of(rank_bids(reversed, rules, t0)));
  EXPECT_EQ(buyers_of(forward), buyers_of(rank_bids(bids, rules, t0)));
}

TEST(RoutingStrategy, WeightZeroOnlyFallsBack) {
  routing_rules rules;
  rules.strategy = routing_strategy::weighted;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    rules.random_seed = seed;
    auto r = rank_bids({tiered("zero", 1, 0, 0, 99), tiered("one", 1, 1, 1, 1)}, rules, t0);
    EXPECT_EQ(buyers_of(r), (std::vector<std::string>{"one", "zero"}));
  }
}

TEST(RoutingStrategy, EveryStrategyRejectsTheSameInvalidBids) {
  for (auto strategy : {routing_strategy::auction, routing_strategy::weighted, routing_strategy::round_robin,
                        routing_strategy::waterfall}) {
    routing_rules rules;
    rules.strategy = strategy;
    rules.roster_size = 2;
    rules.floor_micros = 10;
    auto r = rank_bids({tiered("low", 1, 1, 0, 5), tiered("ok", 1, 1, 1, 15)}, rules, t0);
    EXPECT_EQ(buyers_of(r), (std::vector<std::string>{"ok"})) << to_string(strategy);
    ASSERT_EQ(r.rejected.size(), 1u);
  }
}

} // namespace ringbid
