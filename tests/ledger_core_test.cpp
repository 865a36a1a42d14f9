// Unit tests for the pure cap ledger: daily and concurrency caps, reservations,
// commit/release, holders, adoption after a restart and UTC day rollover.

#include "actors/ledger_core.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace ringbid {
namespace {

constexpr int64_t us_per_day = 86'400 * us_per_s;
// 2023-11-14T22:13:20Z: day 19675, 1h46m40s before midnight.
constexpr timestamp_us t0 = 1'700'000'000 * us_per_s;

reserve_request request(std::vector<std::string> buyers, reserve_mode mode = reserve_mode::normal) {
  reserve_request r;
  r.campaign_id = "camp";
  r.buyer_ids = std::move(buyers);
  r.mode = mode;
  return r;
}

/// Reserves one call for `buyer`; returns its token or 0 when denied.
uint64_t reserve_one(ledger_core& l, const std::string& buyer, uint64_t holder, timestamp_us now,
                     reserve_mode mode = reserve_mode::normal) {
  auto reply = l.reserve(request({buyer}, mode), holder, now);
  EXPECT_EQ(reply.granted.size() + reply.denied.size(), 1u);
  if (reply.granted.empty()) return 0;
  EXPECT_EQ(reply.granted.front().buyer_id, buyer);
  return reply.granted.front().token;
}

// -- utc_day -------------------------------------------------------------------

TEST(LedgerCoreDay, UtcDayOfNonNegativeTimes) {
  EXPECT_EQ(utc_day(0), 0);
  EXPECT_EQ(utc_day(1), 0);
  EXPECT_EQ(utc_day(us_per_day - 1), 0);
  EXPECT_EQ(utc_day(us_per_day), 1);
  EXPECT_EQ(utc_day(t0), 19'675);
  EXPECT_EQ(utc_day(19'676 * us_per_day - 1), 19'675);
  EXPECT_EQ(utc_day(19'676 * us_per_day), 19'676);
}

TEST(LedgerCoreDay, UtcDayOfNegativeTimesRoundsDown) {
  EXPECT_EQ(utc_day(-1), -1);
  EXPECT_EQ(utc_day(-us_per_day + 1), -1);
  EXPECT_EQ(utc_day(-us_per_day), -1);
  EXPECT_EQ(utc_day(-us_per_day - 1), -2);
  EXPECT_EQ(utc_day(-2 * us_per_day), -2);
  EXPECT_EQ(utc_day(-2 * us_per_day - 1), -3);
}

// -- caps ----------------------------------------------------------------------

TEST(LedgerCore, UncappedBuyerIsAlwaysGranted) {
  ledger_core l;
  std::set<uint64_t> tokens;
  for (int i = 0; i < 100; ++i) {
    auto token = reserve_one(l, "free", 1, t0);
    ASSERT_NE(token, 0u);
    ASSERT_TRUE(l.commit(token));
    tokens.insert(token);
  }
  EXPECT_EQ(tokens.size(), 100u); // tokens are unique
  EXPECT_EQ(l.live("free"), 100);
  EXPECT_EQ(l.committed_today("free", t0), 100);
  EXPECT_EQ(l.denied_total(), 0u);
}

TEST(LedgerCore, DailyCapDeniesWithCapNameValueAndLimit) {
  ledger_core l;
  l.set_caps("b", buyer_caps{2, 0});
  auto t1 = reserve_one(l, "b", 1, t0);
  auto t2 = reserve_one(l, "b", 1, t0);
  ASSERT_NE(t1, 0u);
  ASSERT_NE(t2, 0u);
  EXPECT_NE(t1, t2);
  auto reply = l.reserve(request({"b"}), 1, t0);
  EXPECT_TRUE(reply.granted.empty());
  ASSERT_EQ(reply.denied.size(), 1u);
  EXPECT_EQ(reply.denied[0].buyer_id, "b");
  EXPECT_EQ(reply.denied[0].cap, "daily");
  EXPECT_EQ(reply.denied[0].value, 2);
  EXPECT_EQ(reply.denied[0].limit, 2);
  EXPECT_EQ(l.denied_total(), 1u);
  // Committed calls count the same as pending reservations.
  ASSERT_TRUE(l.commit(t1));
  ASSERT_TRUE(l.release(t1));
  reply = l.reserve(request({"b"}), 1, t0);
  ASSERT_EQ(reply.denied.size(), 1u);
  EXPECT_EQ(reply.denied[0].cap, "daily");
  EXPECT_EQ(reply.denied[0].value, 2);
  EXPECT_EQ(l.denied_total(), 2u);
}

TEST(LedgerCore, ConcurrencyCapDeniesWithCapNameValueAndLimit) {
  ledger_core l;
  l.set_caps("b", buyer_caps{0, 3});
  for (int i = 0; i < 3; ++i) ASSERT_NE(reserve_one(l, "b", 1, t0), 0u);
  auto reply = l.reserve(request({"b"}), 2, t0);
  EXPECT_TRUE(reply.granted.empty());
  ASSERT_EQ(reply.denied.size(), 1u);
  EXPECT_EQ(reply.denied[0].buyer_id, "b");
  EXPECT_EQ(reply.denied[0].cap, "concurrency");
  EXPECT_EQ(reply.denied[0].value, 3);
  EXPECT_EQ(reply.denied[0].limit, 3);
  EXPECT_EQ(l.live("b"), 3);
  EXPECT_EQ(l.denied_total(), 1u);
}

TEST(LedgerCore, DailyCapIsCheckedBeforeConcurrency) {
  ledger_core l;
  l.set_caps("b", buyer_caps{1, 1});
  ASSERT_NE(reserve_one(l, "b", 1, t0), 0u);
  auto reply = l.reserve(request({"b"}), 1, t0);
  ASSERT_EQ(reply.denied.size(), 1u);
  EXPECT_EQ(reply.denied[0].cap, "daily");
  EXPECT_EQ(reply.denied[0].value, 1);
  EXPECT_EQ(reply.denied[0].limit, 1);
}

TEST(LedgerCore, OneRequestGrantsAndDeniesPerBuyer) {
  ledger_core l;
  l.set_caps("full", buyer_caps{0, 1});
  l.set_caps("open", buyer_caps{5, 5});
  ASSERT_NE(reserve_one(l, "full", 9, t0), 0u);
  auto reply = l.reserve(request({"full", "open", "uncapped"}), 1, t0);
  ASSERT_EQ(reply.granted.size(), 2u);
  EXPECT_EQ(reply.granted[0].buyer_id, "open");
  EXPECT_EQ(reply.granted[1].buyer_id, "uncapped");
  EXPECT_NE(reply.granted[0].token, reply.granted[1].token);
  ASSERT_EQ(reply.denied.size(), 1u);
  EXPECT_EQ(reply.denied[0].buyer_id, "full");
  EXPECT_EQ(reply.denied[0].cap, "concurrency");
  EXPECT_EQ(l.open_reservations(), 3u);
}

TEST(LedgerCore, ReplyNamesTheCall) {
  ledger_core l;
  auto req = request({"b"});
  req.call = call_id{0x1234, 0x5678};
  auto reply = l.reserve(req, 1, t0);
  EXPECT_EQ(reply.call, req.call);
}

TEST(LedgerCore, ConcurrentReservationsNeverExceedTheCap) {
  ledger_core l;
  l.set_caps("b", buyer_caps{0, 4});
  int granted = 0;
  for (uint64_t holder = 1; holder <= 20; ++holder) {
    if (reserve_one(l, "b", holder, t0) != 0) ++granted;
    EXPECT_LE(l.live("b"), 4);
  }
  EXPECT_EQ(granted, 4);
  EXPECT_EQ(l.denied_total(), 16u);
}

TEST(LedgerCore, PendingReservationsCountAgainstTheDailyCap) {
  ledger_core l;
  l.set_caps("b", buyer_caps{3, 0});
  int granted = 0;
  for (uint64_t holder = 1; holder <= 10; ++holder)
    if (reserve_one(l, "b", holder, t0) != 0) ++granted;
  EXPECT_EQ(granted, 3);
  EXPECT_EQ(l.committed_today("b", t0), 0); // none counted yet
}

TEST(LedgerCore, CapsChangedLaterApplyToExistingCounts) {
  ledger_core l;
  for (int i = 0; i < 3; ++i) ASSERT_NE(reserve_one(l, "b", 1, t0), 0u);
  l.set_caps("b", buyer_caps{0, 2});
  EXPECT_EQ(reserve_one(l, "b", 1, t0), 0u);
  l.set_caps("b", buyer_caps{0, 4});
  EXPECT_NE(reserve_one(l, "b", 1, t0), 0u);
  EXPECT_EQ(l.live("b"), 4);
}

// -- commit and release --------------------------------------------------------

TEST(LedgerCore, CommitThenReleaseKeepsDailyCountFreesConcurrency) {
  ledger_core l;
  l.set_caps("b", buyer_caps{2, 1});
  auto token = reserve_one(l, "b", 1, t0);
  ASSERT_NE(token, 0u);
  EXPECT_EQ(reserve_one(l, "b", 1, t0), 0u); // concurrency 1
  ASSERT_TRUE(l.commit(token));
  EXPECT_EQ(l.committed_today("b", t0), 1);
  EXPECT_EQ(l.committed_total(), 1u);
  EXPECT_EQ(l.live("b"), 1);
  ASSERT_TRUE(l.release(token));
  EXPECT_EQ(l.committed_today("b", t0), 1); // the call still counts
  EXPECT_EQ(l.live("b"), 0);                // the slot is free
  EXPECT_EQ(l.open_reservations(), 0u);
  auto second = reserve_one(l, "b", 1, t0);
  ASSERT_NE(second, 0u);
  ASSERT_TRUE(l.commit(second));
  ASSERT_TRUE(l.release(second));
  EXPECT_EQ(l.committed_today("b", t0), 2);
  // Daily cap of 2 now reached by committed calls alone.
  auto reply = l.reserve(request({"b"}), 1, t0);
  ASSERT_EQ(reply.denied.size(), 1u);
  EXPECT_EQ(reply.denied[0].cap, "daily");
  EXPECT_EQ(reply.denied[0].value, 2);
}

TEST(LedgerCore, ReleaseOfUncommittedGivesBackBoth) {
  ledger_core l;
  l.set_caps("b", buyer_caps{1, 1});
  auto token = reserve_one(l, "b", 1, t0);
  ASSERT_NE(token, 0u);
  EXPECT_EQ(reserve_one(l, "b", 1, t0), 0u);
  ASSERT_TRUE(l.release(token));
  EXPECT_EQ(l.live("b"), 0);
  EXPECT_EQ(l.committed_today("b", t0), 0);
  EXPECT_EQ(l.committed_total(), 0u);
  // Both the daily and the concurrency headroom are back.
  EXPECT_NE(reserve_one(l, "b", 1, t0), 0u);
}

TEST(LedgerCore, CommitIsIdempotent) {
  ledger_core l;
  l.set_caps("b", buyer_caps{5, 0});
  auto token = reserve_one(l, "b", 1, t0);
  ASSERT_TRUE(l.commit(token));
  ASSERT_TRUE(l.commit(token));
  ASSERT_TRUE(l.commit(token));
  EXPECT_EQ(l.committed_today("b", t0), 1);
  EXPECT_EQ(l.committed_total(), 1u);
  // Exactly 4 more fit under the daily cap of 5.
  int granted = 0;
  for (int i = 0; i < 10; ++i)
    if (reserve_one(l, "b", 1, t0) != 0) ++granted;
  EXPECT_EQ(granted, 4);
}

TEST(LedgerCore, UnknownAndReleasedTokens) {
  ledger_core l;
  EXPECT_FALSE(l.commit(0));
  EXPECT_FALSE(l.release(0));
  EXPECT_FALSE(l.commit(12345));
  EXPECT_FALSE(l.release(12345));
  l.set_caps("b", buyer_caps{2, 2});
  auto token = reserve_one(l, "b", 1, t0);
  ASSERT_TRUE(l.release(token));
  EXPECT_FALSE(l.release(token)); // second release: unknown, no effect
  EXPECT_FALSE(l.commit(token));  // commit after release: unknown, not counted
  EXPECT_EQ(l.live("b"), 0);
  EXPECT_EQ(l.committed_today("b", t0), 0);
  EXPECT_EQ(l.committed_total(), 0u);
  // The double release did not hand out extra headroom.
  EXPECT_NE(reserve_one(l, "b", 1, t0), 0u);
  EXPECT_NE(reserve_one(l, "b", 1, t0), 0u);
  EXPECT_EQ(reserve_one(l, "b", 1, t0), 0u);
  EXPECT_EQ(l.live("b"), 2);
}

TEST(LedgerCore, LiveOfUnknownBuyerIsZero) {
  ledger_core l;
  EXPECT_EQ(l.live("nobody"), 0);
  EXPECT_EQ(l.committed_today("nobody", t0), 0);
  EXPECT_TRUE(l.holders().empty());
  EXPECT_EQ(l.open_reservations(), 0u);
}

// -- holders -------------------------------------------------------------------

TEST(LedgerCore, ReleaseHolderEndsOnlyItsReservations) {
  ledger_core l;
  l.set_caps("a", buyer_caps{10, 10});
  l.set_caps("b", buyer_caps{10, 10});
  auto reply = l.reserve(request({"a", "b"}), 7, t0);
  ASSERT_EQ(reply.granted.size(), 2u);
  auto committed = reply.granted[0].token;
  ASSERT_TRUE(l.commit(committed));
  auto other = reserve_one(l, "a", 8, t0);
  ASSERT_NE(other, 0u);
  auto hs = l.holders();
  std::sort(hs.begin(), hs.end());
  EXPECT_EQ(hs, (std::vector<uint64_t>{7, 8}));

  EXPECT_EQ(l.release_holder(7), 2u);
  EXPECT_EQ(l.live("a"), 1);
  EXPECT_EQ(l.live("b"), 0);
  EXPECT_EQ(l.committed_today("a", t0), 1); // the committed call still counts
  EXPECT_EQ(l.open_reservations(), 1u);
  EXPECT_EQ(l.holders(), (std::vector<uint64_t>{8}));
  EXPECT_FALSE(l.release(committed));
  EXPECT_EQ(l.release_holder(7), 0u); // idempotent
  EXPECT_EQ(l.release_holder(999), 0u);
  EXPECT_TRUE(l.release(other));
  EXPECT_TRUE(l.holders().empty());
}

TEST(LedgerCore, ReleasedTokensLeaveTheirHolder) {
  ledger_core l;
  auto a = reserve_one(l, "x", 3, t0);
  auto b = reserve_one(l, "x", 3, t0);
  ASSERT_TRUE(l.release(a));
  EXPECT_EQ(l.holders(), (std::vector<uint64_t>{3}));
  EXPECT_EQ(l.release_holder(3), 1u); // only b was still open
  EXPECT_FALSE(l.release(b));
  EXPECT_TRUE(l.holders().empty());
  EXPECT_EQ(l.live("x"), 0);
}

// -- adoption after a restart ---------------------------------------------------

TEST(LedgerCore, AdoptModesNeverFail) {
  ledger_core l;
  l.set_caps("b", buyer_caps{1, 1});
  auto first = reserve_one(l, "b", 1, t0);
  ASSERT_TRUE(l.commit(first));
  EXPECT_EQ(reserve_one(l, "b", 2, t0), 0u); // both caps reached
  auto pending = reserve_one(l, "b", 2, t0, reserve_mode::adopt_pending);
  auto committed = reserve_one(l, "b", 3, t0, reserve_mode::adopt_committed);
  EXPECT_NE(pending, 0u);
  EXPECT_NE(committed, 0u);
  EXPECT_EQ(l.live("b"), 3);
  EXPECT_EQ(l.denied_total(), 1u);
}

TEST(LedgerCore, AdoptCommittedDoesNotCountTheDayAgain) {
  ledger_core l;
  l.set_caps("b", buyer_caps{2, 0});
  auto token = reserve_one(l, "b", 1, t0, reserve_mode::adopt_committed);
  ASSERT_NE(token, 0u);
  EXPECT_EQ(l.committed_today("b", t0), 0);
  EXPECT_EQ(l.live("b"), 1);
  ASSERT_TRUE(l.commit(token)); // already committed: no second count
  EXPECT_EQ(l.committed_today("b", t0), 0);
  EXPECT_EQ(l.committed_total(), 0u);
  // It takes no daily headroom either: two normal reservations still fit.
  EXPECT_NE(reserve_one(l, "b", 1, t0), 0u);
  EXPECT_NE(reserve_one(l, "b", 1, t0), 0u);
  EXPECT_EQ(reserve_one(l, "b", 1, t0), 0u);
  // Releasing it frees the concurrency slot only.
  ASSERT_TRUE(l.release(token));
  EXPECT_EQ(l.live("b"), 2);
  EXPECT_EQ(reserve_one(l, "b", 1, t0), 0u); // still two pending today
}

TEST(LedgerCore, AdoptPendingCountsUntilReleasedAndCanBeCommitted) {
  ledger_core l;
  l.set_caps("b", buyer_caps{1, 0});
  auto token = reserve_one(l, "b", 1, t0, reserve_mode::adopt_pending);
  EXPECT_EQ(reserve_one(l, "b", 1, t0), 0u); // the adopted one is pending today
  ASSERT_TRUE(l.commit(token));
  EXPECT_EQ(l.committed_today("b", t0), 1);
  EXPECT_EQ(l.committed_total(), 1u);
  ASSERT_TRUE(l.release(token));
  EXPECT_EQ(reserve_one(l, "b", 1, t0), 0u); // counted today
  EXPECT_EQ(l.live("b"), 0);
}

// -- day rollover --------------------------------------------------------------

TEST(LedgerCore, UtcDayRolloverResetsTheDailyCount) {
  ledger_core l;
  l.set_caps("b", buyer_caps{2, 0});
  const timestamp_us midnight = (utc_day(t0) + 1) * us_per_day;
  for (int i = 0; i < 2; ++i) {
    auto t = reserve_one(l, "b", 1, midnight - 10);
    ASSERT_TRUE(l.commit(t));
    ASSERT_TRUE(l.release(t));
  }
  EXPECT_EQ(l.committed_today("b", midnight - 1), 2);
  EXPECT_EQ(reserve_one(l, "b", 1, midnight - 1), 0u);
  // The next UTC day starts from zero.
  EXPECT_EQ(l.committed_today("b", midnight), 0);
  auto next = reserve_one(l, "b", 1, midnight);
  ASSERT_NE(next, 0u);
  ASSERT_TRUE(l.commit(next));
  EXPECT_EQ(l.committed_today("b", midnight + 5), 1);
  EXPECT_EQ(l.committed_today("b", midnight - 1), 0); // yesterday is no longer tracked
  EXPECT_NE(reserve_one(l, "b", 1, midnight + 6), 0u);
  EXPECT_EQ(reserve_one(l, "b", 1, midnight + 7), 0u);
}

TEST(LedgerCore, YesterdaysReservationsDoNotTouchTodaysCounts) {
  ledger_core l;
  l.set_caps("b", buyer_caps{1, 3});
  const timestamp_us midnight = (utc_day(t0) + 1) * us_per_day;
  auto old_pending = reserve_one(l, "b", 1, midnight - 1);
  ASSERT_NE(old_pending, 0u);
  auto today = reserve_one(l, "b", 1, midnight + 1); // yesterday's pending does not count today
  ASSERT_NE(today, 0u);
  EXPECT_EQ(l.live("b"), 2); // but both occupy a concurrency slot
  // Committing or releasing yesterday's reservation leaves today's counts alone.
  ASSERT_TRUE(l.commit(old_pending));
  EXPECT_EQ(l.committed_today("b", midnight + 2), 0);
  ASSERT_TRUE(l.release(old_pending));
  EXPECT_EQ(l.live("b"), 1);
  EXPECT_EQ(reserve_one(l, "b", 1, midnight + 3), 0u); // today's one pending reservation fills the cap
  ASSERT_TRUE(l.release(today));
  EXPECT_NE(reserve_one(l, "b", 1, midnight + 4), 0u);
}

TEST(LedgerCore, RolloverBeforeTheEpochUsesFlooredDays) {
  ledger_core l;
  l.set_caps("b", buyer_caps{1, 0});
  auto a = reserve_one(l, "b", 1, -us_per_day - 1); // day -2
  ASSERT_TRUE(l.commit(a));
  EXPECT_EQ(reserve_one(l, "b", 1, -us_per_day - 2), 0u);
  EXPECT_EQ(l.committed_today("b", -2 * us_per_day), 1); // same day -2
  auto b = reserve_one(l, "b", 1, -us_per_day);           // day -1
  ASSERT_NE(b, 0u);
  ASSERT_TRUE(l.commit(b));
  EXPECT_EQ(l.committed_today("b", -1), 1);
  EXPECT_EQ(reserve_one(l, "b", 1, -1), 0u);
  EXPECT_NE(reserve_one(l, "b", 1, 0), 0u); // day 0
}

// -- randomized property test against a reference model --------------------------

struct model_reservation {
  std::string buyer;
  uint64_t holder = 0;
  int64_t day = 0;
  bool committed = false;
};

struct reference_ledger {
  std::map<std::string, buyer_caps> caps;
  std::map<uint64_t, model_reservation> open;             // by token
  std::map<std::pair<std::string, int64_t>, int64_t> counted; // (buyer, day) -> committed calls

  int64_t live(const std::string& b) const {
    return std::count_if(open.begin(), open.end(), [&](const auto& kv) { return kv.second.buyer == b; });
  }
  int64_t pending(const std::string& b, int64_t day) const {
    return std::count_if(open.begin(), open.end(), [&](const auto& kv) {
      return kv.second.buyer == b && kv.second.day == day && !kv.second.committed;
    });
  }
  int64_t committed(const std::string& b, int64_t day) const {
    auto i = counted.find({b, day});
    return i == counted.end() ? 0 : i->second;
  }
  /// Empty when a normal reservation may be granted, else the cap that denies it.
  std::string denial(const std::string& b, int64_t day) const {
    auto c = caps.at(b);
    if (c.daily > 0 && committed(b, day) + pending(b, day) >= c.daily) return "daily";
    if (c.concurrency > 0 && live(b) >= c.concurrency) return "concurrency";
    return {};
  }
};

TEST(LedgerCoreProperty, RandomOperationsMatchTheReferenceModelAndRespectCaps) {
  std::mt19937 rng(20240607);
  const std::vector<std::string> buyers{"a", "b", "c", "d", "e"};
  // Coverage of the run itself: denials of both kinds, commits and midnights must occur.
  uint64_t all_denied_daily = 0;
  uint64_t all_denied_concurrency = 0;
  uint64_t all_commits = 0;
  uint64_t all_midnights = 0;
  for (int run = 0; run < 20; ++run) {
    ledger_core l;
    reference_ledger m;
    for (const auto& b : buyers) {
      buyer_caps c{static_cast<int32_t>(rng() % 8), static_cast<int32_t>(rng() % 5)};
      l.set_caps(b, c);
      m.caps[b] = c;
    }
    timestamp_us now = t0 + static_cast<int64_t>(rng() % 1000) * us_per_s;
    std::vector<uint64_t> seen_tokens;
    uint64_t committed_total = 0;
    uint64_t denied_total = 0;
    for (int op = 0; op < 2'000; ++op) {
      // Time moves forward; now and then across a UTC midnight.
      const int64_t before = utc_day(now);
      now += (rng() % 50 == 0) ? us_per_day / 3 : static_cast<int64_t>(rng() % 5'000'000);
      const int64_t day = utc_day(now);
      if (day != before) ++all_midnights;
      auto pick = rng() % 100;
      if (pick < 40) {
        // Reserve for a random subset of buyers (duplicates allowed).
        std::vector<std::string> ids;
        auto n = 1 + rng() % 3;
        for (size_t i = 0; i < n; ++i) ids.push_back(buyers[rng() % buyers.size()]);
        uint64_t holder = 1 + rng() % 12;
        auto reply = l.reserve(request(ids), holder, now);
        ASSERT_EQ(reply.granted.size() + reply.denied.size(), ids.size());
        size_t g = 0;
        size_t d = 0;
        for (const auto& id : ids) {
          auto why = m.denial(id, day);
          if (why.empty()) {
            ASSERT_LT(g, reply.granted.size()) << "run " << run << " op " << op;
            ASSERT_EQ(reply.granted[g].buyer_id, id);
            auto token = reply.granted[g++].token;
            ASSERT_EQ(m.open.count(token), 0u);
            ASSERT_EQ(std::count(seen_tokens.begin(), seen_tokens.end(), token), 0) << "token reused";
            seen_tokens.push_back(token);
            m.open[token] = model_reservation{id, holder, day, false};
          } else {
            ASSERT_LT(d, reply.denied.size()) << "run " << run << " op " << op;
            ASSERT_EQ(reply.denied[d].buyer_id, id);
            ASSERT_EQ(reply.denied[d].cap, why);
            auto c = m.caps.at(id);
            ASSERT_EQ(reply.denied[d].limit, why == "daily" ? c.daily : c.concurrency);
            ASSERT_EQ(reply.denied[d].value,
                      why == "daily" ? m.committed(id, day) + m.pending(id, day) : m.live(id));
            ++d;
            ++denied_total;
            ++(why == "daily" ? all_denied_daily : all_denied_concurrency);
          }
        }
      } else if (pick < 60) {
        // Commit a random token: open, already released or never issued.
        uint64_t token = seen_tokens.empty() || rng() % 10 == 0 ? 1'000'000 + rng() % 10
                                                                : seen_tokens[rng() % seen_tokens.size()];
        auto i = m.open.find(token);
        bool known = i != m.open.end();
        ASSERT_EQ(l.commit(token), known);
        if (known && !i->second.committed) {
          i->second.committed = true;
          ++m.counted[{i->second.buyer, i->second.day}];
          ++committed_total;
          ++all_commits;
        }
      } else if (pick < 90) {
        uint64_t token = seen_tokens.empty() || rng() % 10 == 0 ? 1'000'000 + rng() % 10
                                                                : seen_tokens[rng() % seen_tokens.size()];
        bool known = m.open.erase(token) == 1;
        ASSERT_EQ(l.release(token), known);
      } else {
        uint64_t holder = 1 + rng() % 12;
        size_t n = 0;
        for (auto i = m.open.begin(); i != m.open.end();) {
          if (i->second.holder == holder) {
            i = m.open.erase(i);
            ++n;
          } else {
            ++i;
          }
        }
        ASSERT_EQ(l.release_holder(holder), n);
      }
      // Invariants at every step.
      ASSERT_EQ(l.open_reservations(), m.open.size()) << "run " << run << " op " << op;
      ASSERT_EQ(l.committed_total(), committed_total);
      ASSERT_EQ(l.denied_total(), denied_total);
      for (const auto& b : buyers) {
        auto c = m.caps.at(b);
        ASSERT_EQ(l.live(b), m.live(b)) << "buyer " << b << " run " << run << " op " << op;
        ASSERT_EQ(l.committed_today(b, now), m.committed(b, day)) << "buyer " << b << " op " << op;
        if (c.concurrency > 0) {
          ASSERT_LE(l.live(b), c.concurrency);
        }
        if (c.daily > 0) {
          ASSERT_LE(m.committed(b, day) + m.pending(b, day), c.daily);
        }
      }
    }
    // Every holder dies: nothing stays open.
    for (uint64_t holder = 1; holder <= 12; ++holder) l.release_holder(holder);
    EXPECT_EQ(l.open_reservations(), 0u);
    EXPECT_TRUE(l.holders().empty());
    for (const auto& b : buyers) EXPECT_EQ(l.live(b), 0);
  }
  EXPECT_GT(all_denied_daily, 100u);
  EXPECT_GT(all_denied_concurrency, 100u);
  EXPECT_GT(all_commits, 500u);
  EXPECT_GT(all_midnights, 50u);
  std::cout << "denied daily " << all_denied_daily << ", concurrency " << all_denied_concurrency
            << ", commits " << all_commits << ", midnights " << all_midnights << "\n";
}

} // namespace
} // namespace ringbid
