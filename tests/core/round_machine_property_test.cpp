// The round machine under random input sequences (20,000 seeds): whatever
// arrives, in whatever order, every reservation it was granted ends exactly
// once (released, or handed to the call in an offer), the round closes at most
// once and never after it was abandoned, and no offer pays more than its bid,
// its budget's headroom or what the ledger held for it.

#include "actors/core/round_machine.hpp"
#include "tests/support/roster_fixture.hpp"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace ringbid {
namespace {

constexpr timestamp_us t0 = 1'767'621'600LL * us_per_s;

struct round_run {
  testing::roster_fixture fx;
  std::mt19937_64 rng;
  uint64_t next_token = 1;
  std::map<uint64_t, int64_t> headroom;    ///< every token granted, with its headroom
  std::multiset<uint64_t> ended;           ///< released or handed over
  std::map<uint64_t, int64_t> held;        ///< amounts the "ledger" held
  std::map<uint64_t, int64_t> asked_holds; ///< token -> the amount asked to hold
  std::vector<std::string> asked;          ///< buyers the round asked to reserve
  size_t closes = 0;
  bool abandoned_before_close = false;
  timestamp_us now = t0;

  explicit round_run(uint64_t seed) : rng(seed) {
    fx.campaign.clearing = pick(2) ? clearing_rule::second_price : clearing_rule::first_price;
    fx.campaign.strategy = pick(4) == 0 ? routing_strategy::waterfall : routing_strategy::auction;
    auto n = 1 + pick(4);
    for (size_t i = 0; i < n; ++i) {
      auto& b = fx.add("b" + std::to_string(i));
      if (pick(5) == 0) b.fixed_payout_micros = 1'000'000 * int64_t(3 + pick(20));
      b.priority = 1 + int32_t(pick(2));
    }
  }

  size_t pick(size_t n) { return std::uniform_int_distribution<size_t>{0, n - 1}(rng); }

  void take(const round_effects& e, round_machine& m) {
    for (auto t : e.releases) ended.insert(t);
    if (e.reserve) asked = e.reserve->buyer_ids;
    if (e.hold)
      for (const auto& h : e.hold->holds) {
        asked_holds[h.token] = h.amount_micros;
        EXPECT_TRUE(headroom.count(h.token)) << "a hold for a token never granted";
        EXPECT_LE(h.amount_micros, headroom[h.token]) << "a hold over the headroom";
      }
    if (e.closed) {
      ++closes;
      EXPECT_NE(m.phase(), round_phase::abandoned);
      for (const auto& o : e.closed->offers) {
        ended.insert(o.token);
        EXPECT_LE(o.amount_micros, o.bid_micros) << "a price over its bid";
        auto h = headroom.at(o.token);
        if (h >= 0) {
          EXPECT_LE(o.amount_micros, h) << "a price over its budget";
          EXPECT_TRUE(held.count(o.token)) << "a budgeted offer the ledger did not hold";
          if (held.count(o.token)) {
            EXPECT_LE(o.amount_micros, held[o.token]) << "a price over what was held";
          }
        }
      }
    }
  }

  reserve_reply reply() {
    reserve_reply r;
    for (const auto& b : asked) {
      if (pick(4) == 0) {
        r.denied.push_back(reservation_denial{b, "cap", 1, 1, 0});
        continue;
      }
      auto t = next_token++;
      headroom[t] = pick(3) == 0 ? int64_t(1'000'000 * (1 + pick(30))) : -1;
      r.granted.push_back(reservation_grant{b, t, headroom[t]});
    }
    return r;
  }

  bid_response answer() {
    bid_response b;
    b.buyer_id = "b" + std::to_string(pick(fx.buyers.size() + 1)); // sometimes a stranger
    b.round = pick(10) == 0 ? 2 : 1;
    b.kind = pick(6) == 0 ? bid_kind::no_bid : pick(10) == 0 ? bid_kind::error : bid_kind::bid;
    b.amount_micros = 1'000'000 * int64_t(pick(40));
    b.expires_in_s = pick(10) == 0 ? 0 : 60;
    b.destination = "+15550001111";
    return b;
  }

  std::vector<uint64_t> hold_some() {
    std::vector<uint64_t> out;
    for (const auto& [t, amount] : asked_holds)
      if (pick(3) != 0) out.push_back(t);
    return out;
  }
};

void run_once(uint64_t seed) {
  round_run r{seed};
  timing_config timing;
  r.fx.build();
  call_snapshot call;
  call.id = uuid{seed, 1};
  auto m = round_machine{call, 1, t0, r.fx.roster, round_settings_for(&r.fx.campaign, timing, 4, 0, call.id, 1, 1)};
  r.take(m.open(t0, nullptr, [](const std::string&) { return true; }), m);
  for (int step = 0; step < 40; ++step) {
    r.now += int64_t(r.pick(120'000));
    round_effects e;
    switch (r.pick(9)) {
      case 0:
      case 1: e = m.reserved(r.reply(), r.now); break;
      case 2: e = m.reserve_failed(r.now); break;
      case 3:
      case 4:
      case 5: e = m.answer(r.answer(), r.now); break;
      case 6: e = m.deadline(r.now); break;
      case 7: {
        if (r.pick(2)) {
          auto held = r.hold_some();
          for (auto t : held) r.held[t] = r.asked_holds.at(t);
          e = m.held(held, r.now);
        } else {
          e = m.hold_failed(r.now);
        }
        break;
      }
      default:
        if (r.pick(3) == 0) {
          bool open = m.phase() == round_phase::reserving || m.phase() == round_phase::collecting;
          e = m.abandon();
          if (open) r.abandoned_before_close = true;
        }
        break;
    }
    r.take(e, m);
  }
  // Finish: the deadline, and the ledger's answer to a pending hold.
  r.take(m.deadline(r.now + 600'000), m);
  r.take(m.reserve_failed(r.now + 600'000), m);
  r.take(m.hold_failed(r.now + 700'000), m);
  ASSERT_TRUE(m.phase() == round_phase::closed || m.phase() == round_phase::abandoned) << "seed " << seed;
  EXPECT_LE(r.closes, 1u) << "seed " << seed;
  EXPECT_EQ(r.closes == 0, r.abandoned_before_close) << "seed " << seed;
  for (const auto& [token, h] : r.headroom)
    EXPECT_EQ(r.ended.count(token), 1u) << "token " << token << " seed " << seed;
  EXPECT_EQ(r.ended.size(), r.headroom.size()) << "seed " << seed << ": nothing ends that was not granted";
}

TEST(RoundMachineProperty, EveryReservationEndsOnceAndTheRoundClosesAtMostOnce) {
  for (uint64_t seed = 1; seed <= 20'000; ++seed) {
    run_once(seed);
    if (::testing::Test::HasFailure()) {
      ADD_FAILURE() << "first failing seed: " << seed;
      return;
    }
  }
}

} // namespace
} // namespace ringbid
