// Unit tests for clearing: prices and budget refusals decided together, so a
// refused offer never prices another.

#include "actors/core/clearing.hpp"

#include "tests/support/auction_fixtures.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ringbid {
namespace {

clearing_candidate candidate(std::string buyer, int64_t bid, int64_t headroom = -1, bool fixed = false) {
  clearing_candidate c;
  c.o.buyer_id = std::move(buyer);
  c.o.bid_micros = bid;
  c.o.token = static_cast<uint64_t>(bid);
  c.headroom_micros = headroom;
  c.fixed = fixed;
  return c;
}

using test::second_price;

std::vector<int64_t> prices(const cleared_offers& c) {
  std::vector<int64_t> out;
  for (const auto& k : c.kept) out.push_back(k.o.amount_micros);
  return out;
}

std::vector<std::string> refused(const cleared_offers& c) {
  std::vector<std::string> out;
  for (const auto& r : c.refused) out.push_back(r.buyer_id);
  return out;
}

TEST(Clearing, PriceFormula) {
  auto rules = second_price(5'000'000, 10'000);
  EXPECT_EQ(clearing_price(20'000'000, false, 15'000'000, rules), 15'010'000);
  EXPECT_EQ(clearing_price(20'000'000, false, std::nullopt, rules), 5'010'000) << "no runner-up: the floor";
  EXPECT_EQ(clearing_price(20'000'000, false, 1'000'000, rules), 5'010'000) << "a runner-up below the floor";
  EXPECT_EQ(clearing_price(12'000'000, false, 12'000'000, rules), 12'000'000) << "never above its own bid";
  EXPECT_EQ(clearing_price(18'000'000, true, 1'000'000, rules), 18'000'000) << "fixed payout";
  rules.strategy = routing_strategy::waterfall;
  EXPECT_EQ(clearing_price(20'000'000, false, 15'000'000, rules), 20'000'000) << "auctions only";
  EXPECT_EQ(clearing_price(20'000'000, false, 15'000'000, routing_rules{}), 20'000'000) << "first price";
}

TEST(Clearing, WithoutBudgetsEveryOfferIsPricedAgainstTheNext) {
  auto c = clear_offers({candidate("a", 20'000'000), candidate("b", 15'000'000), candidate("c", 9'000'000)},
                        second_price(5'000'000, 10'000));
  EXPECT_EQ(prices(c), (std::vector<int64_t>{15'010'000, 9'010'000, 5'010'000}));
  EXPECT_TRUE(c.refused.empty());
}

// The behaviour this module exists for. Before, every offer was priced first
// and budgets refused afterwards: a paid 15.01, the price set by b, which its
// own budget then refused.
TEST(Clearing, ARefusedRunnerUpNeverPricesTheWinner) {
  auto c = clear_offers({candidate("a", 20'000'000), candidate("b", 15'000'000, 1'000'000), candidate("c", 9'000'000)},
                        second_price(5'000'000, 10'000));
  EXPECT_EQ(refused(c), (std::vector<std::string>{"b"}));
  ASSERT_EQ(c.kept.size(), 2u);
  EXPECT_EQ(c.kept[0].o.buyer_id, "a");
  EXPECT_EQ(c.kept[0].o.amount_micros, 9'010'000) << "against c, the next offer kept";
  EXPECT_EQ(c.kept[1].o.amount_micros, 5'010'000);
  EXPECT_EQ(c.refused[0].token, 15'000'000u);
  EXPECT_EQ(c.refused[0].reason, "over budget: $9.01 > $1.00 left");
}

TEST(Clearing, EveryRunnerUpRefused) {
  auto c = clear_offers({candidate("a", 20'000'000), candidate("b", 15'000'000, 0), candidate("c", 9'000'000, 0)},
                        second_price(5'000'000, 10'000));
  EXPECT_EQ(refused(c), (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(prices(c), (std::vector<int64_t>{5'010'000})) << "alone: the floor plus the increment";
}

TEST(Clearing, ABudgetThatFitsOnlyTheLowerPriceKeepsTheOffer) {
  // a's price against b would be 15.01, over its 12.00; against c (b refused) it is 9.01.
  auto c = clear_offers(
    {candidate("a", 20'000'000, 12'000'000), candidate("b", 15'000'000, 1'000'000), candidate("c", 9'000'000)},
    second_price(5'000'000, 10'000));
  EXPECT_EQ(refused(c), (std::vector<std::string>{"b"}));
  EXPECT_EQ(prices(c), (std::vector<int64_t>{9'010'000, 5'010'000}));
}

TEST(Clearing, TheWinnerOverItsBudgetLeavesTheRestPricedAsBefore) {
  auto c = clear_offers({candidate("a", 20'000'000, 10'000'000), candidate("b", 15'000'000), candidate("c", 9'000'000)},
                        second_price(5'000'000, 10'000));
  EXPECT_EQ(refused(c), (std::vector<std::string>{"a"}));
  EXPECT_EQ(prices(c), (std::vector<int64_t>{9'010'000, 5'010'000}));
  EXPECT_EQ(c.refused[0].reason, "over budget: $15.01 > $10.00 left");
}

TEST(Clearing, ExactHeadroomFits) {
  auto c = clear_offers({candidate("a", 20'000'000, 15'010'000), candidate("b", 15'000'000)}, second_price(0, 10'000));
  EXPECT_TRUE(c.refused.empty());
  EXPECT_EQ(prices(c), (std::vector<int64_t>{15'010'000, 10'000}));
}

TEST(Clearing, FirstPriceRefusesOnTheBid) {
  auto c =
    clear_offers({candidate("a", 20'000'000, 19'999'999), candidate("b", 15'000'000, 15'000'000)}, routing_rules{});
  EXPECT_EQ(refused(c), (std::vector<std::string>{"a"}));
  EXPECT_EQ(prices(c), (std::vector<int64_t>{15'000'000}));
}

TEST(Clearing, AFixedPayoutPaysItsPriceAndStillPricesTheBidAbove) {
  auto c = clear_offers({candidate("a", 30'000'000), candidate("f", 18'000'000, -1, true), candidate("b", 9'000'000)},
                        second_price(0, 10'000));
  EXPECT_EQ(prices(c), (std::vector<int64_t>{18'010'000, 18'000'000, 10'000}));
  // Refused by its budget, the fixed payout prices nothing either.
  c = clear_offers({candidate("a", 30'000'000), candidate("f", 18'000'000, 1'000'000, true), candidate("b", 9'000'000)},
                   second_price(0, 10'000));
  EXPECT_EQ(refused(c), (std::vector<std::string>{"f"}));
  EXPECT_EQ(prices(c), (std::vector<int64_t>{9'010'000, 10'000}));
}

TEST(Clearing, RefusingMoreOnlyLowersPrices) {
  // Any subset removed from a cleared list: no kept price rises, none is refused anew.
  std::vector<clearing_candidate> ranked{candidate("a", 40'000'000, 39'000'000), candidate("b", 30'000'000, 29'000'000),
                                         candidate("c", 20'000'000, 19'000'000), candidate("d", 10'000'000, 9'000'000)};
  auto rules = second_price(1'000'000, 10'000);
  auto first = clear_offers(ranked, rules);
  ASSERT_TRUE(first.refused.empty());
  for (unsigned mask = 0; mask < 16; ++mask) {
    std::vector<clearing_candidate> rest;
    for (size_t i = 0; i < first.kept.size(); ++i)
      if ((mask & (1u << i)) == 0) rest.push_back(first.kept[i]);
    auto again = clear_offers(rest, rules);
    EXPECT_TRUE(again.refused.empty()) << "mask " << mask;
    for (const auto& k : again.kept)
      for (const auto& f : first.kept)
        if (k.o.buyer_id == f.o.buyer_id) {
          EXPECT_LE(k.o.amount_micros, f.o.amount_micros) << "mask " << mask;
        }
  }
}

TEST(Clearing, Empty) {
  auto c = clear_offers({}, second_price(0, 0));
  EXPECT_TRUE(c.kept.empty());
  EXPECT_TRUE(c.refused.empty());
}

} // namespace
} // namespace ringbid
