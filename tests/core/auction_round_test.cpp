// Unit tests for one auction round without messaging: eligibility, the
// ledger's answer, fixed payouts, answers, closing, and the explanation.

#include "actors/core/auction_round.hpp"
#include "actors/core/campaign_roster.hpp"
#include "actors/core/circuit_breaker.hpp"
#include "tests/support/roster_fixture.hpp"

#include "tests/support/auction_fixtures.hpp"

#include <gtest/gtest.h>

#include <memory>

#include <string>
#include <vector>

namespace ringbid {
namespace {

// Monday 2026-01-05 14:00 UTC.
constexpr timestamp_us t0 = 1'767'621'600LL * us_per_s;

using testing::roster_fixture;

bool any_bidder(const std::string&) { return true; }

reserve_reply grant_all(const std::vector<std::string>& buyers) {
  reserve_reply reply;
  uint64_t token = 100;
  for (const auto& b : buyers) reply.granted.push_back(reservation_grant{b, ++token, -1});
  return reply;
}

bid_response bid(const std::string& buyer, int64_t amount, uint32_t round = 0) {
  auto r = test::valid_bid(buyer, amount, round);
  r.latency_us = 40'000;
  return r;
}

const auction_entry& entry_of(const auction_record& r, const std::string& buyer) {
  for (const auto& e : r.entries)
    if (e.buyer_id == buyer) return e;
  static auction_entry none;
  ADD_FAILURE() << "no entry for " << buyer;
  return none;
}

TEST(AuctionRound, SkipsIneligibleBuyersWithTheirReasons) {
  roster_fixture fx;
  fx.add("ok");
  fx.add("paused").active = false;
  fx.add("wrong-vertical").target.verticals = {"auto"};
  fx.add("texas-only").target.states = {"TX"};
  auto& closed = fx.add("closed");
  closed.hours.weekly.push_back(hours_window{{1}, 0, 60}); // Mondays 00:00-01:00 UTC only
  fx.add("no-bidder");
  auction_round round{0, t0, fx.build()};
  call_facts facts;
  facts.vertical = "solar";
  facts.caller_state = "NY";
  facts.area_code = "212";
  auto eligible = round.select(facts, t0, nullptr, [](const std::string& b) { return b != "no-bidder"; });
  EXPECT_EQ(eligible, (std::vector<std::string>{"ok"}));
  auto record = round.record({});
  EXPECT_EQ(entry_of(record, "paused").verdict, bidder_verdict::skipped);
  EXPECT_EQ(entry_of(record, "paused").reason, "buyer paused");
  EXPECT_EQ(entry_of(record, "wrong-vertical").reason, "vertical solar not targeted");
  EXPECT_EQ(entry_of(record, "texas-only").reason, "state NY not targeted");
  EXPECT_EQ(entry_of(record, "closed").reason.rfind("closed: outside business hours", 0), 0u);
  EXPECT_EQ(entry_of(record, "no-bidder").reason, "no bidder for this buyer");
  EXPECT_EQ(record.entries.size(), 6u); // every buyer of the campaign, in its order
  EXPECT_EQ(record.entries[0].buyer_id, "ok");
}

TEST(AuctionRound, PausedCampaignPingsNobody) {
  roster_fixture fx;
  fx.add("a");
  fx.campaign.active = false;
  auction_round round{0, t0, fx.build()};
  EXPECT_TRUE(round.select({}, t0, nullptr, any_bidder).empty());
  EXPECT_EQ(round.record({}).entries[0].reason, "campaign paused");
}

TEST(AuctionRound, OpenBreakerSkipsTheBuyer) {
  roster_fixture fx;
  auto& flaky = fx.add("flaky");
  flaky.breaker.failure_threshold = 2;
  flaky.breaker.open_ms = 1'000;
  fx.add("fine");
  breaker_board breakers{{fx.buyers.begin(), fx.buyers.end()}};
  breakers.record("flaky", false, t0);
  breakers.record("flaky", false, t0);
  auction_round round{0, t0, fx.build()};
  auto eligible = round.select({}, t0 + 1, &breakers, any_bidder);
  EXPECT_EQ(eligible, (std::vector<std::string>{"fine"}));
  EXPECT_EQ(entry_of(round.record({}), "flaky").reason, "circuit open: too many failures or timeouts");
  // After the open period one probe goes through.
  auction_round later{1, t0 + 2 * us_per_s, fx.roster};
  EXPECT_EQ(later.select({}, t0 + 2 * us_per_s, &breakers, any_bidder).size(), 2u);
}

TEST(AuctionRound, CappedBuyersAreExplained) {
  roster_fixture fx;
  fx.add("a");
  fx.add("b");
  auction_round round{0, t0, fx.build()};
  auto eligible = round.select({}, t0, nullptr, any_bidder);
  reserve_reply reply;
  reply.granted.push_back(reservation_grant{"a", 7, -1});
  reply.denied.push_back(reservation_denial{"b", "buyer b: calls per day (UTC)", 10, 10, 0});
  auto pings = round.reserved(reply, t0);
  ASSERT_EQ(pings.size(), 1u);
  EXPECT_EQ(pings[0].buyer_id, "a");
  EXPECT_EQ(pings[0].token, 7u);
  auto record = round.record({});
  auto& b = entry_of(record, "b");
  EXPECT_EQ(b.verdict, bidder_verdict::capped);
  EXPECT_EQ(b.reason, "cap full: buyer b: calls per day (UTC) (10 of 10)");
}

TEST(AuctionRound, FixedPayoutBuyersBidWithoutAPing) {
  roster_fixture fx;
  fx.add("rtb");
  fx.add("fixed").fixed_payout_micros = 25'000'000;
  auction_round round{0, t0, fx.build()};
  auto pings = round.reserved(grant_all(round.select({}, t0, nullptr, any_bidder)), t0);
  ASSERT_EQ(pings.size(), 1u);
  EXPECT_EQ(pings[0].buyer_id, "rtb");
  round.pinged("rtb", t0);
  EXPECT_TRUE(round.waiting());
  EXPECT_TRUE(round.answer(bid("rtb", 20'000'000), t0 + 90'000));
  EXPECT_FALSE(round.waiting());
  auto result = round.close(routing_rules{}, t0 + 90'000);
  ASSERT_EQ(result.offers.size(), 2u);
  EXPECT_EQ(result.offers[0].buyer_id, "fixed");
  EXPECT_EQ(result.offers[0].amount_micros, 25'000'000);
  EXPECT_EQ(result.offers[0].destination, "+15550000000");
  auto record = round.record(result.offers);
  EXPECT_EQ(record.winner, "fixed");
  EXPECT_TRUE(entry_of(record, "fixed").fixed);
  EXPECT_EQ(entry_of(record, "fixed").latency_us, -1);
  EXPECT_EQ(entry_of(record, "rtb").rank, 2);
  EXPECT_EQ(entry_of(record, "rtb").latency_us, 90'000);
  EXPECT_EQ(entry_of(record, "rtb").transport_us, 40'000);
}

TEST(AuctionRound, UnansweredPingsLoseAndAreReleased) {
  roster_fixture fx;
  fx.add("fast");
  fx.add("silent");
  auction_round round{0, t0, fx.build()};
  auto pings = round.reserved(grant_all(round.select({}, t0, nullptr, any_bidder)), t0);
  for (const auto& p : pings) round.pinged(p.buyer_id, t0);
  EXPECT_TRUE(round.answer(bid("fast", 9'000'000), t0 + 1'000));
  EXPECT_FALSE(round.answer(bid("fast", 9'000'000), t0 + 2'000)); // a duplicate
  EXPECT_FALSE(round.answer(bid("stranger", 9'000'000), t0 + 2'000));
  EXPECT_TRUE(round.waiting());
  auto result = round.close(routing_rules{}, t0 + 500'000);
  ASSERT_EQ(result.offers.size(), 1u);
  ASSERT_EQ(result.releases.size(), 1u);
  EXPECT_EQ(result.releases[0], pings[1].token);
  auto record = round.record(result.offers);
  EXPECT_EQ(entry_of(record, "silent").verdict, bidder_verdict::no_answer);
  EXPECT_EQ(entry_of(record, "silent").reason, "no answer within 500 ms");
  EXPECT_EQ(record.closed_at, t0 + 500'000);
  EXPECT_EQ(result.summary, "2 eligible, 2 pinged, 1 answered, 1 valid, 0 capped");
}

TEST(AuctionRound, RejectedAnswersKeepTheirKindAndReason) {
  roster_fixture fx;
  fx.add("low");
  fx.add("nobid");
  fx.add("broken");
  fx.add("top");
  auction_round round{0, t0, fx.build()};
  auto pings = round.reserved(grant_all(round.select({}, t0, nullptr, any_bidder)), t0);
  EXPECT_EQ(pings.size(), 4u);
  round.answer(bid("low", 1'000'000), t0 + 10);
  auto nb = bid("nobid", 0);
  nb.kind = bid_kind::no_bid;
  nb.reason = "not interested";
  round.answer(nb, t0 + 10);
  auto err = bid("broken", 0);
  err.kind = bid_kind::error;
  err.reason = "timeout";
  round.answer(err, t0 + 10);
  round.answer(bid("top", 30'000'000), t0 + 10);
  routing_rules rules;
  rules.floor_micros = fx.campaign.floor_micros;
  auto result = round.close(rules, t0 + 20);
  EXPECT_EQ(result.releases.size(), 3u);
  auto record = round.record(result.offers);
  EXPECT_EQ(entry_of(record, "low").verdict, bidder_verdict::rejected);
  EXPECT_EQ(entry_of(record, "low").reason, "below campaign floor ($1.00 < $2.00)");
  EXPECT_EQ(entry_of(record, "nobid").verdict, bidder_verdict::no_bid);
  EXPECT_EQ(entry_of(record, "nobid").reason, "no bid: not interested");
  EXPECT_EQ(entry_of(record, "broken").verdict, bidder_verdict::error);
  EXPECT_EQ(entry_of(record, "top").verdict, bidder_verdict::won);
  EXPECT_EQ(entry_of(record, "top").reason, "highest valid bid");
  EXPECT_EQ(record.clearing_price_micros, 30'000'000);
}

TEST(AuctionRound, SecondPriceAndRefusedOffersInTheRecord) {
  roster_fixture fx;
  fx.campaign.clearing = clearing_rule::second_price;
  fx.add("a");
  fx.add("b");
  fx.add("c");
  auction_round round{0, t0, fx.build()};
  auto reply = grant_all(round.select({}, t0, nullptr, any_bidder));
  reply.granted[0].budget_headroom_micros = 12'000'000; // a's budget cannot pay 15.01
  round.reserved(reply, t0);
  round.answer(bid("a", 20'000'000), t0 + 10);
  round.answer(bid("b", 15'000'000), t0 + 10);
  round.answer(bid("c", 10'000'000), t0 + 10);
  routing_rules rules;
  rules.clearing = clearing_rule::second_price;
  rules.floor_micros = fx.campaign.floor_micros;
  rules.increment_micros = 10'000;
  auto result = round.close(rules, t0 + 20);
  // The budget refuses the winner: the runner-up is first in the final order.
  ASSERT_EQ(result.offers.size(), 2u);
  EXPECT_TRUE(result.holds.empty()) << "a was refused at once: nothing left to hold";
  EXPECT_EQ(result.releases, (std::vector<uint64_t>{101}));
  EXPECT_EQ(result.summary, "3 eligible, 3 pinged, 3 answered, 3 valid, 0 capped, 1 refused by a budget");
  auto record = round.record(result.offers);
  EXPECT_EQ(record.clearing, "second_price");
  EXPECT_EQ(record.winner, "b");
  EXPECT_EQ(record.winning_bid_micros, 15'000'000);
  EXPECT_EQ(record.clearing_price_micros, 10'010'000);
  EXPECT_EQ(entry_of(record, "a").verdict, bidder_verdict::rejected);
  EXPECT_EQ(entry_of(record, "a").reason, "over budget: $15.01 > $12.00 left");
  EXPECT_EQ(entry_of(record, "a").price_micros, 0);
  EXPECT_EQ(entry_of(record, "b").rank, 1);
  EXPECT_EQ(entry_of(record, "c").rank, 2);
}

/// Three buyers under second price (floor 2, increment 0.01), answered a > b > c.
struct second_price_round {
  roster_fixture fx;
  std::unique_ptr<auction_round> round;
  routing_rules rules;

  /// `headroom`: per buyer a, b, c; -1 = no budget.
  explicit second_price_round(std::vector<int64_t> headroom) {
    fx.campaign.clearing = clearing_rule::second_price;
    fx.add("a");
    fx.add("b");
    fx.add("c");
    round = std::make_unique<auction_round>(0, t0, fx.build());
    auto reply = grant_all(round->select({}, t0, nullptr, any_bidder));
    for (size_t i = 0; i < headroom.size(); ++i) reply.granted[i].budget_headroom_micros = headroom[i];
    round->reserved(reply, t0);
    round->answer(bid("a", 20'000'000), t0 + 10);
    round->answer(bid("b", 15'000'000), t0 + 10);
    round->answer(bid("c", 10'000'000), t0 + 10);
    rules.clearing = clearing_rule::second_price;
    rules.floor_micros = fx.campaign.floor_micros;
    rules.increment_micros = 10'000;
  }
};

// The old round priced every offer first and refused over-budget offers after:
// a kept 15.01, the price b set before b's budget refused it.
TEST(AuctionRound, ARunnerUpItsBudgetRefusesNeverSetsTheWinnersPrice) {
  second_price_round r{{-1, 5'000'000, -1}}; // b's price (10.01, against c) is over its 5.00
  auto result = r.round->close(r.rules, t0 + 20);
  ASSERT_EQ(result.offers.size(), 2u);
  EXPECT_EQ(result.offers[0].buyer_id, "a");
  EXPECT_EQ(result.offers[0].amount_micros, 10'010'000) << "priced against c, not against the refused b";
  EXPECT_EQ(result.offers[1].buyer_id, "c");
  EXPECT_EQ(result.offers[1].amount_micros, 2'010'000);
  EXPECT_EQ(result.releases, (std::vector<uint64_t>{102}));
  auto record = r.round->record(result.offers);
  EXPECT_EQ(record.clearing_price_micros, 10'010'000);
  EXPECT_EQ(entry_of(record, "b").verdict, bidder_verdict::rejected);
  EXPECT_EQ(entry_of(record, "b").reason, "over budget: $10.01 > $5.00 left");
  EXPECT_EQ(entry_of(record, "a").price_micros, 10'010'000);
}

TEST(AuctionRound, BudgetedOffersAskForHoldsAtTheirFinalPrice) {
  second_price_round r{{-1, 50'000'000, 50'000'000}};
  auto result = r.round->close(r.rules, t0 + 20);
  ASSERT_EQ(result.offers.size(), 3u);
  ASSERT_EQ(result.holds.size(), 2u) << "only the budgeted b and c";
  EXPECT_EQ(result.holds[0].token, 102u);
  EXPECT_EQ(result.holds[0].amount_micros, 10'010'000);
  EXPECT_EQ(result.holds[1].token, 103u);
  EXPECT_EQ(result.holds[1].amount_micros, 2'010'000);
}

TEST(AuctionRound, AHoldTheLedgerRefusesRepricesTheOffersAbove) {
  second_price_round r{{-1, 50'000'000, 50'000'000}};
  auto closed = r.round->close(r.rules, t0 + 20);
  ASSERT_EQ(closed.offers[0].amount_micros, 15'010'000);
  auto settled = r.round->settle({103}); // the ledger held c's price, not b's
  ASSERT_EQ(settled.offers.size(), 2u);
  EXPECT_EQ(settled.offers[0].buyer_id, "a");
  EXPECT_EQ(settled.offers[0].amount_micros, 10'010'000) << "b is out: a is priced against c";
  EXPECT_EQ(settled.offers[1].buyer_id, "c");
  EXPECT_EQ(settled.offers[1].amount_micros, 2'010'000) << "c's price is the one held";
  EXPECT_EQ(settled.releases, (std::vector<uint64_t>{102}));
  EXPECT_TRUE(settled.holds.empty());
  EXPECT_EQ(settled.summary, "3 eligible, 3 pinged, 3 answered, 3 valid, 0 capped, 1 refused by a budget");
  auto record = r.round->record(settled.offers);
  EXPECT_EQ(entry_of(record, "b").verdict, bidder_verdict::rejected);
  EXPECT_EQ(entry_of(record, "b").reason, "refused by a revenue budget");
  EXPECT_EQ(entry_of(record, "a").price_micros, 10'010'000);
  EXPECT_EQ(record.clearing_price_micros, 10'010'000);
}

TEST(AuctionRound, NoHoldAtAllRefusesEveryBudgetedOffer) {
  second_price_round r{{30'000'000, -1, 30'000'000}};
  r.round->close(r.rules, t0 + 20);
  auto settled = r.round->settle({});
  ASSERT_EQ(settled.offers.size(), 1u);
  EXPECT_EQ(settled.offers[0].buyer_id, "b");
  EXPECT_EQ(settled.offers[0].amount_micros, 2'010'000) << "alone: the floor plus the increment";
  EXPECT_EQ(settled.releases, (std::vector<uint64_t>{101, 103}));
}

TEST(AuctionRound, EligibleWithoutAReservationIsExplained) {
  roster_fixture fx;
  fx.add("a");
  auction_round round{0, t0, fx.build()};
  EXPECT_EQ(round.select({}, t0, nullptr, any_bidder).size(), 1u);
  auto result = round.close(routing_rules{}, t0 + 1'000); // the ledger never answered
  EXPECT_TRUE(result.offers.empty());
  auto record = round.record(result.offers);
  EXPECT_EQ(entry_of(record, "a").verdict, bidder_verdict::capped);
  EXPECT_EQ(entry_of(record, "a").reason, "no reservation: the cap ledger did not answer");
  EXPECT_EQ(result.summary, "1 eligible, 0 pinged, 0 answered, 0 valid, 0 capped");
}

TEST(AuctionRound, TokensCoverEveryReservation) {
  roster_fixture fx;
  fx.add("a");
  fx.add("f").fixed_payout_micros = 5'000'000;
  auction_round round{0, t0, fx.build()};
  round.reserved(grant_all(round.select({}, t0, nullptr, any_bidder)), t0);
  EXPECT_EQ(round.tokens(), (std::vector<uint64_t>{101, 102}));
}

} // namespace
} // namespace ringbid
