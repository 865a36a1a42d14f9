// Unit tests for the round machine: the phases of one auction round and the
// effects it asks the call actor to carry out.

#include "actors/core/round_machine.hpp"
#include "tests/support/roster_fixture.hpp"

#include "tests/support/auction_fixtures.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace ringbid {
namespace {

using namespace std::chrono_literals;
using testing::roster_fixture;

constexpr timestamp_us t0 = 1'767'621'600LL * us_per_s; // Monday 2026-01-05 14:00 UTC

bool any_bidder(const std::string&) { return true; }

bid_response bid(const std::string& buyer, int64_t amount, uint32_t round = 1) {
  return test::valid_bid(buyer, amount, round);
}

reserve_reply grant(const std::vector<std::string>& buyers, int64_t headroom = -1) {
  reserve_reply reply;
  uint64_t token = 100;
  for (const auto& b : buyers) reply.granted.push_back(reservation_grant{b, ++token, headroom});
  return reply;
}

struct RoundMachineTest : ::testing::Test {
  roster_fixture fx;
  call_snapshot call;
  timing_config timing;

  RoundMachineTest() {
    call.id = uuid{7, 9};
    call.caller = "+12125550100";
    call.campaign_id = "c1";
    call.source_id = "s1";
    call.ivr = {ivr_answer{"zip", "10001"}};
    call.tags = {"vip"};
    fx.add("a");
    fx.add("b");
  }

  round_machine make(uint32_t id = 1) {
    fx.build();
    auto settings = round_settings_for(&fx.campaign, timing, 2, 0, call.id, id, 1);
    return round_machine{call, id, t0, fx.roster, settings};
  }
};

TEST_F(RoundMachineTest, SettingsComeFromTheCampaignAndTheNodesTiming) {
  fx.campaign.auction_deadline_ms = 730;
  fx.campaign.strategy = routing_strategy::auction;
  fx.campaign.clearing = clearing_rule::second_price;
  fx.campaign.price_increment_micros = 25'000;
  timing.network_allowance_ms = 80;
  auto s = round_settings_for(&fx.campaign, timing, 2, 5, call.id, 1, 1);
  EXPECT_EQ(s.deadline, 730ms);
  EXPECT_EQ(s.network_allowance, 80ms);
  EXPECT_EQ(s.rules.clearing, clearing_rule::second_price);
  EXPECT_EQ(s.rules.floor_micros, 2'000'000);
  EXPECT_EQ(s.rules.increment_micros, 25'000);
  EXPECT_EQ(s.rules.rotation, 5u);
  EXPECT_NE(s.rules.random_seed, round_settings_for(&fx.campaign, timing, 2, 5, call.id, 2, 1).rules.random_seed)
    << "one draw per round";
  auto none = round_settings_for(nullptr, timing, 0, 0, call.id, 1, 1);
  EXPECT_EQ(none.deadline, 0ms) << "no campaign, no buyers: nothing to wait for";
}

TEST_F(RoundMachineTest, AFullRoundReservesPingsCollectsAndCloses) {
  auto m = make();
  EXPECT_EQ(m.phase(), round_phase::reserving);
  auto fx1 = m.open(t0, nullptr, any_bidder);
  ASSERT_TRUE(fx1.reserve);
  EXPECT_EQ(fx1.reserve->buyer_ids, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(fx1.reserve->call, call.id);
  EXPECT_EQ(fx1.reserve->campaign_id, "c1");
  EXPECT_EQ(fx1.reserve->source_id, "s1");
  EXPECT_EQ(fx1.deadline, 500ms);
  EXPECT_TRUE(fx1.pings.empty());

  auto fx2 = m.reserved(grant({"a", "b"}), t0 + 20'000); // the ledger took 20 ms
  EXPECT_EQ(m.phase(), round_phase::collecting);
  ASSERT_EQ(fx2.pings.size(), 2u);
  const auto& p = fx2.pings[0];
  EXPECT_EQ(p.buyer_id, "a");
  EXPECT_EQ(p.round, 1u);
  EXPECT_EQ(p.call, call.id);
  EXPECT_EQ(p.campaign_id, "c1");
  EXPECT_EQ(p.vertical, "solar");
  EXPECT_EQ(p.area_code, "212");
  EXPECT_EQ(p.caller_state, "NY");
  EXPECT_EQ(p.zip, "10001");
  EXPECT_EQ(p.tags, (std::vector<std::string>{"vip"}));
  EXPECT_EQ(p.time_left, 430ms) << "500 ms from the round's start, less 20 elapsed and 50 of allowance";
  ASSERT_TRUE(fx2.pinged);
  EXPECT_EQ(fx2.pinged->round, 1u);

  auto fx3 = m.answer(bid("a", 9'000'000), t0 + 60'000);
  EXPECT_TRUE(fx3.answer_taken);
  EXPECT_FALSE(fx3.closed);
  EXPECT_FALSE(m.answer(bid("a", 9'000'000), t0 + 61'000).answer_taken) << "a duplicate";
  EXPECT_FALSE(m.answer(bid("b", 9'000'000, 2), t0 + 61'000).answer_taken) << "another round's";
  auto fx4 = m.answer(bid("b", 7'000'000), t0 + 80'000);
  ASSERT_TRUE(fx4.closed) << "every pinged buyer answered";
  EXPECT_EQ(m.phase(), round_phase::closed);
  EXPECT_EQ(fx4.closed->round, 1u);
  EXPECT_EQ(fx4.closed->latency_us, 80'000);
  ASSERT_EQ(fx4.closed->offers.size(), 2u);
  EXPECT_EQ(fx4.closed->offers[0].buyer_id, "a");
  EXPECT_EQ(fx4.closed->record.winner, "a");
  EXPECT_EQ(fx4.closed->summary, "2 eligible, 2 pinged, 2 answered, 2 valid, 0 capped");
  EXPECT_TRUE(fx4.releases.empty());
  EXPECT_FALSE(m.deadline(t0 + 500'000).closed) << "closed once";
}

TEST_F(RoundMachineTest, NobodyEligibleClosesAtOnceWithoutAskingTheLedger) {
  fx.buyers[0].active = false;
  fx.buyers[1].active = false;
  auto m = make();
  auto e = m.open(t0, nullptr, any_bidder);
  EXPECT_FALSE(e.reserve);
  EXPECT_EQ(e.deadline, 0ms) << "no deadline to wait for";
  ASSERT_TRUE(e.closed);
  EXPECT_TRUE(e.closed->offers.empty());
  EXPECT_EQ(m.phase(), round_phase::closed);
}

TEST_F(RoundMachineTest, ReservationDeniedForEveryoneClosesWithTheCapsExplained) {
  auto m = make();
  m.open(t0, nullptr, any_bidder);
  reserve_reply reply;
  reply.denied.push_back(reservation_denial{"a", "buyer a: calls per day (UTC)", 5, 5, 0});
  reply.denied.push_back(reservation_denial{"b", "buyer b: concurrency", 1, 1, 0});
  auto e = m.reserved(reply, t0 + 1'000);
  EXPECT_TRUE(e.pings.empty());
  EXPECT_FALSE(e.pinged);
  ASSERT_TRUE(e.closed);
  EXPECT_EQ(e.closed->summary, "2 eligible, 0 pinged, 0 answered, 0 valid, 2 capped");
  EXPECT_EQ(e.closed->record.entries[0].verdict, bidder_verdict::capped);
}

TEST_F(RoundMachineTest, ALedgerSlowerThanTheDeadlineLeavesNoTimeToPing) {
  auto m = make();
  m.open(t0, nullptr, any_bidder);
  EXPECT_FALSE(m.deadline(t0 + 500'000).closed) << "still reserving: the deadline waits for the ledger";
  auto e = m.reserved(grant({"a", "b"}), t0 + 460'000); // 40 ms left, less than the 50 ms allowance
  EXPECT_TRUE(e.pings.empty());
  ASSERT_TRUE(e.closed);
  EXPECT_EQ(e.releases, (std::vector<uint64_t>{101, 102})) << "unanswered: released";
}

TEST_F(RoundMachineTest, AnUnreachableLedgerClosesTheRoundEmpty) {
  auto m = make();
  m.open(t0, nullptr, any_bidder);
  auto e = m.reserve_failed(t0 + 900'000);
  ASSERT_TRUE(e.closed);
  EXPECT_TRUE(e.closed->offers.empty());
  EXPECT_EQ(e.closed->record.entries[0].reason, "no reservation: the cap ledger did not answer");
  EXPECT_FALSE(m.reserve_failed(t0 + 900'001).closed) << "once";
}

TEST_F(RoundMachineTest, TheDeadlineClosesWithoutTheSilentAndLateAnswersAreExplained) {
  auto m = make();
  m.open(t0, nullptr, any_bidder);
  m.reserved(grant({"a", "b"}), t0);
  m.answer(bid("a", 9'000'000), t0 + 100'000);
  auto e = m.deadline(t0 + 500'000);
  ASSERT_TRUE(e.closed);
  EXPECT_EQ(e.releases, (std::vector<uint64_t>{102}));
  ASSERT_EQ(e.closed->offers.size(), 1u);
  auto late = m.answer(bid("b", 30'000'000), t0 + 700'000);
  EXPECT_FALSE(late.answer_taken);
  ASSERT_TRUE(late.late);
  EXPECT_EQ(late.late->buyer_id, "b");
  EXPECT_EQ(late.late->after_us, 700'000);
  EXPECT_EQ(late.late->bid_micros, 30'000'000);
  EXPECT_FALSE(late.closed) << "a late answer never wins";
  auto nobid = bid("b", 0);
  nobid.kind = bid_kind::no_bid;
  EXPECT_EQ(m.answer(nobid, t0 + 800'000).late->bid_micros, 0);
}

TEST_F(RoundMachineTest, AbandonedWhileCollectingReleasesEverything) {
  auto m = make();
  m.open(t0, nullptr, any_bidder);
  m.reserved(grant({"a", "b"}), t0);
  auto e = m.abandon();
  EXPECT_EQ(m.phase(), round_phase::abandoned);
  EXPECT_EQ(e.releases, (std::vector<uint64_t>{101, 102}));
  EXPECT_FALSE(m.answer(bid("a", 9'000'000), t0 + 1).answer_taken);
  EXPECT_FALSE(m.answer(bid("a", 9'000'000), t0 + 1).late) << "abandoned: not explained";
  EXPECT_FALSE(m.deadline(t0 + 500'000).closed);
  EXPECT_TRUE(m.abandon().releases.empty()) << "released once";
}

TEST_F(RoundMachineTest, AReservationAfterTheRoundWasAbandonedIsReleasedWhole) {
  auto m = make();
  m.open(t0, nullptr, any_bidder);
  EXPECT_TRUE(m.abandon().releases.empty()) << "nothing held yet";
  auto e = m.reserved(grant({"a", "b"}), t0 + 1'000);
  EXPECT_EQ(e.releases, (std::vector<uint64_t>{101, 102}));
  EXPECT_TRUE(e.pings.empty());
  EXPECT_FALSE(e.closed);
}

TEST_F(RoundMachineTest, BudgetedOffersAreHeldBeforeTheRoundCloses) {
  fx.campaign.clearing = clearing_rule::second_price;
  fx.campaign.price_increment_micros = 10'000;
  fx.add("c");
  auto m = make();
  m.open(t0, nullptr, any_bidder);
  auto reply = grant({"a", "b", "c"});
  reply.granted[1].budget_headroom_micros = 50'000'000;
  m.reserved(reply, t0);
  m.answer(bid("a", 20'000'000), t0 + 10);
  m.answer(bid("b", 15'000'000), t0 + 10);
  auto e = m.answer(bid("c", 9'000'000), t0 + 10);
  EXPECT_FALSE(e.closed) << "not before the budgets hold";
  EXPECT_EQ(m.phase(), round_phase::holding);
  ASSERT_TRUE(e.hold);
  EXPECT_EQ(e.hold->call, call.id);
  ASSERT_EQ(e.hold->holds.size(), 1u);
  EXPECT_EQ(e.hold->holds[0].token, 102u);
  EXPECT_EQ(e.hold->holds[0].amount_micros, 9'010'000);
  // An answer now is late; abandoning waits for the ledger's answer.
  EXPECT_TRUE(m.answer(bid("a", 1'000'000), t0 + 20).late);
  EXPECT_TRUE(m.abandon().releases.empty());
  EXPECT_EQ(m.phase(), round_phase::holding);
  auto done = m.hold_failed(t0 + 30);
  ASSERT_TRUE(done.closed);
  EXPECT_EQ(m.phase(), round_phase::closed);
  EXPECT_EQ(done.releases, (std::vector<uint64_t>{102}));
  ASSERT_EQ(done.closed->offers.size(), 2u);
  EXPECT_EQ(done.closed->offers[0].amount_micros, 9'010'000) << "b refused: a priced against c";
  EXPECT_EQ(done.closed->latency_us, 30);
  EXPECT_EQ(done.closed->summary, "3 eligible, 3 pinged, 3 answered, 3 valid, 0 capped, 1 refused by a budget");
  EXPECT_FALSE(m.held({102}, t0 + 40).closed) << "closed once";
}

TEST_F(RoundMachineTest, FixedPayoutsOnlyCloseWithoutPings) {
  fx.buyers[0].fixed_payout_micros = 12'000'000;
  fx.buyers[1].fixed_payout_micros = 11'000'000;
  auto m = make();
  m.open(t0, nullptr, [](const std::string&) { return false; });
  auto e = m.reserved(grant({"a", "b"}), t0 + 5'000);
  EXPECT_TRUE(e.pings.empty());
  ASSERT_TRUE(e.closed);
  ASSERT_EQ(e.closed->offers.size(), 2u);
  EXPECT_EQ(e.closed->offers[0].amount_micros, 12'000'000);
}

TEST(RoundPhase, Names) {
  EXPECT_EQ(to_string(round_phase::reserving), "reserving");
  EXPECT_EQ(to_string(round_phase::collecting), "collecting");
  EXPECT_EQ(to_string(round_phase::holding), "holding");
  EXPECT_EQ(to_string(round_phase::closed), "closed");
  EXPECT_EQ(to_string(round_phase::abandoned), "abandoned");
}

} // namespace
} // namespace ringbid
