// The cap ledger's pure rules: every cap kind and window, time zones and DST,
// counting stages, reservations, budgets, spacing, leases, idempotency, and
// rebuilding from the journal.

#include "actors/core/ledger_core.hpp"
#include "tests/support/cap_test_support.hpp"

#include <gtest/gtest.h>

#include <map>
#include <random>

namespace ringbid {
namespace {

using testing::make_cap;

constexpr int64_t min_us = 60 * us_per_s;
constexpr int64_t hour_us = 60 * min_us;
constexpr int64_t day_us = 24 * hour_us;

/// 2026-01-05 00:00:00 UTC, a Monday.
constexpr timestamp_us monday = 1'767'571'200LL * us_per_s;

timestamp_us utc(int y, unsigned m, unsigned d, int hh, int mm) {
  return calendar_zone::utc().instant_of(y, m, d, hh * 60 + mm);
}

timestamp_us new_york(int y, unsigned m, unsigned d, int hh, int mm) {
  return calendar_zone::find("America/New_York")->instant_of(y, m, d, hh * 60 + mm);
}

/// A config with buyers a, b, c, campaigns c1, c2 and sources s1, s2.
engine_config base_config() {
  engine_config cfg;
  for (const char* id : {"a", "b", "c"}) {
    buyer_config b;
    b.id = id;
    cfg.buyers.push_back(b);
  }
  for (const char* id : {"c1", "c2"}) {
    campaign_config c;
    c.id = id;
    c.buyer_ids = {"a", "b", "c"};
    cfg.campaigns.push_back(c);
  }
  for (const char* id : {"s1", "s2"}) {
    source_config s;
    s.id = id;
    cfg.sources.push_back(s);
  }
  return cfg;
}

ledger_core make_core(const engine_config& cfg, int64_t lease_us = day_us) {
  auto resolved = resolve_cap_rules(cfg);
  EXPECT_TRUE(resolved.errors.empty()) << resolved.errors.front();
  return ledger_core{resolved.rules, lease_us};
}

uint64_t next_call = 1;

reserve_request request(std::vector<std::string> buyers, std::string campaign = "c1", std::string source = "s1") {
  reserve_request r;
  r.call = uuid{0, next_call++};
  r.campaign_id = std::move(campaign);
  r.source_id = std::move(source);
  r.buyer_ids = std::move(buyers);
  return r;
}

/// Reserves one buyer for a fresh call; the token, or 0 when denied.
uint64_t take(ledger_core& l, const std::string& buyer, timestamp_us now, std::string campaign = "c1",
              std::string source = "s1") {
  auto reply = l.reserve(request({buyer}, std::move(campaign), std::move(source)), 1, now);
  return reply.granted.empty() ? 0 : reply.granted.front().token;
}

const cap_standing& standing(const caps_report& r, size_t i) { return r.caps.at(i); }

// -- rules from the config ---------------------------------------------------------

TEST(CapRules, ShorthandsAndListResolveWithLabelsAndZones) {
  auto cfg = base_config();
  cfg.buyers[0].daily_cap = 50;
  cfg.buyers[0].concurrency_cap = 3;
  cfg.buyers[0].time_zone = "America/New_York";
  cfg.caps.push_back(make_cap(cap_owner::campaign, "c1", cap_measure::calls, "hour", 10, count_stage::routed));
  auto pair = make_cap(cap_owner::campaign_buyer, "c2", cap_measure::revenue, "month", 5'000'000'000);
  pair.buyer_id = "a";
  cfg.caps.push_back(pair);
  auto rolling = make_cap(cap_owner::source, "s1", cap_measure::calls, "rolling", 5);
  rolling.rolling_minutes = 60;
  cfg.caps.push_back(rolling);
  auto resolved = resolve_cap_rules(cfg);
  ASSERT_TRUE(resolved.errors.empty());
  ASSERT_EQ(resolved.rules.size(), 5u);
  EXPECT_EQ(resolved.rules[0].label, "buyer a: calls per day (counted when bridged, America/New_York)");
  EXPECT_EQ(resolved.rules[1].label, "buyer a: live calls");
  EXPECT_EQ(resolved.rules[2].label, "campaign c1: calls per hour (counted when routed, UTC)");
  EXPECT_EQ(resolved.rules[3].zone.name(), "America/New_York") << "a pair follows its buyer's zone";
  EXPECT_TRUE(resolved.rules[4].rolling);
  EXPECT_EQ(resolved.rules[4].rolling_us, hour_us);
}

TEST(CapRules, BadOwnersZonesAndWindowsAreReported) {
  auto cfg = base_config();
  cfg.caps.push_back(make_cap(cap_owner::buyer, "nobody", cap_measure::calls, "day", 1));
  auto zone = make_cap(cap_owner::buyer, "a", cap_measure::calls, "day", 1);
  zone.time_zone = "Mars/Olympus";
  cfg.caps.push_back(zone);
  cfg.caps.push_back(make_cap(cap_owner::buyer, "a", cap_measure::calls, "fortnight", 1));
  cfg.caps.push_back(make_cap(cap_owner::buyer, "a", cap_measure::calls, "rolling", 1));
  auto resolved = resolve_cap_rules(cfg);
  EXPECT_TRUE(resolved.rules.empty());
  ASSERT_EQ(resolved.errors.size(), 4u);
  EXPECT_NE(resolved.errors[0].find("unknown owner"), std::string::npos);
  EXPECT_NE(resolved.errors[1].find("Mars/Olympus"), std::string::npos);
  EXPECT_NE(resolved.errors[2].find("fortnight"), std::string::npos);
  EXPECT_NE(resolved.errors[3].find("rolling_minutes"), std::string::npos);
}

// -- call counts -------------------------------------------------------------------

TEST(LedgerCore, ReservationsCountAgainstADailyCapAndDenialsExplainThemselves) {
  auto cfg = base_config();
  cfg.buyers[0].daily_cap = 2;
  auto l = make_core(cfg);
  auto t = monday + 10 * hour_us;
  auto t1 = take(l, "a", t);
  auto t2 = take(l, "a", t);
  ASSERT_NE(t1, 0u);
  ASSERT_NE(t2, 0u);
  auto reply = l.reserve(request({"a", "b"}), 1, t);
  ASSERT_EQ(reply.denied.size(), 1u);
  EXPECT_EQ(reply.denied[0].buyer_id, "a");
  EXPECT_EQ(reply.denied[0].value, 2);
  EXPECT_EQ(reply.denied[0].limit, 2);
  EXPECT_EQ(reply.denied[0].frees_at, monday + day_us);
  EXPECT_NE(reply.denied[0].cap.find("calls per day"), std::string::npos);
  ASSERT_EQ(reply.granted.size(), 1u);
  EXPECT_EQ(reply.granted[0].buyer_id, "b");
  EXPECT_EQ(reply.granted[0].budget_headroom_micros, -1);

  // A released reservation gives its unit back; a committed one keeps it.
  EXPECT_TRUE(l.release(t2, t));
  EXPECT_NE(take(l, "a", t), 0u);
  EXPECT_TRUE(l.commit({t1, count_stage::bridged, 0}, t));
  EXPECT_TRUE(l.release(t1, t));
  EXPECT_EQ(take(l, "a", t), 0u);
  auto s = standing(l.report(t), 0);
  EXPECT_EQ(s.counted, 1);
  EXPECT_EQ(s.reserved, 1);
  EXPECT_EQ(s.window_start, monday);
  EXPECT_EQ(s.resets_at, monday + day_us);
}

TEST(LedgerCore, CommitAndReleaseAreIdempotent) {
  auto cfg = base_config();
  cfg.buyers[0].daily_cap = 5;
  auto l = make_core(cfg);
  auto t = monday;
  auto token = take(l, "a", t);
  EXPECT_TRUE(l.commit({token, count_stage::bridged, 0}, t));
  EXPECT_TRUE(l.commit({token, count_stage::bridged, 0}, t));
  EXPECT_TRUE(l.commit({token, count_stage::routed, 0}, t));
  EXPECT_EQ(standing(l.report(t), 0).counted, 1);
  EXPECT_TRUE(l.release(token, t));
  EXPECT_FALSE(l.release(token, t));
  EXPECT_FALSE(l.commit({token, count_stage::bridged, 0}, t));
  EXPECT_FALSE(l.release(987654, t));
  EXPECT_EQ(standing(l.report(t), 0).counted, 1);
  EXPECT_EQ(l.committed_total(), 1u);
  EXPECT_EQ(l.open_reservations(), 0u);
}

TEST(LedgerCore, EachCapCountsAtItsOwnStage) {
  auto cfg = base_config();
  cfg.caps.push_back(make_cap(cap_owner::buyer, "a", cap_measure::calls, "day", 9, count_stage::routed));
  cfg.caps.push_back(make_cap(cap_owner::buyer, "a", cap_measure::calls, "day", 9, count_stage::bridged));
  cfg.caps.push_back(make_cap(cap_owner::buyer, "a", cap_measure::calls, "day", 9, count_stage::converted));
  auto l = make_core(cfg);
  auto t = monday;
  auto token = take(l, "a", t);
  auto counted = [&] {
    auto r = l.report(t);
    return std::vector<int64_t>{r.caps[0].counted, r.caps[1].counted, r.caps[2].counted};
  };
  auto reserved = [&] {
    auto r = l.report(t);
    return std::vector<int64_t>{r.caps[0].reserved, r.caps[1].reserved, r.caps[2].reserved};
  };
  EXPECT_EQ(counted(), (std::vector<int64_t>{0, 0, 0}));
  EXPECT_EQ(reserved(), (std::vector<int64_t>{1, 1, 1}));
  l.commit({token, count_stage::routed, 0}, t);
  EXPECT_EQ(counted(), (std::vector<int64_t>{1, 0, 0}));
  l.commit({token, count_stage::bridged, 0}, t);
  EXPECT_EQ(counted(), (std::vector<int64_t>{1, 1, 0}));
  l.release(token, t); // hung up before the buffer: never converted
  EXPECT_EQ(counted(), (std::vector<int64_t>{1, 1, 0}));
  EXPECT_EQ(reserved(), (std::vector<int64_t>{0, 0, 0}));

  // Reaching a later stage directly counts the earlier ones too.
  auto second = take(l, "a", t);
  l.commit({second, count_stage::converted, 0}, t);
  EXPECT_EQ(counted(), (std::vector<int64_t>{2, 2, 1}));
}

TEST(LedgerCore, CalendarWindowsHourWeekMonthLifetime) {
  auto cfg = base_config();
  cfg.caps.push_back(make_cap(cap_owner::buyer, "a", cap_measure::calls, "hour", 1, count_stage::routed));
  cfg.caps.push_back(make_cap(cap_owner::buyer, "b", cap_measure::calls, "week", 1, count_stage::routed));
  cfg.caps.push_back(make_cap(cap_owner::buyer, "c", cap_measure::calls, "month", 1, count_stage::routed));
  cfg.caps.push_back(make_cap(cap_owner::campaign, "c2", cap_measure::calls, "lifetime", 1, count_stage::routed));
  auto l = make_core(cfg);
  auto use = [&](const std::string& buyer, timestamp_us t, std::string campaign = "c1") {
    auto token = take(l, buyer, t, std::move(campaign));
    if (token == 0) return false;
    l.commit({token, count_stage::routed, 0}, t);
    l.release(token, t);
    return true;
  };
  auto t = utc(2026, 1, 7, 10, 15); // a Wednesday
  EXPECT_TRUE(use("a", t));
  EXPECT_FALSE(use("a", utc(2026, 1, 7, 10, 59)));
  EXPECT_TRUE(use("a", utc(2026, 1, 7, 11, 0)));
  EXPECT_TRUE(use("b", t));
  EXPECT_FALSE(use("b", utc(2026, 1, 11, 23, 59))); // Sunday: same week
  EXPECT_TRUE(use("b", utc(2026, 1, 12, 0, 0)));    // Monday: a new one
  EXPECT_TRUE(use("c", t));
  EXPECT_FALSE(use("c", utc(2026, 1, 31, 23, 59)));
  EXPECT_TRUE(use("c", utc(2026, 2, 1, 0, 0)));
  EXPECT_TRUE(use("a", t + 400 * day_us, "c2"));
  EXPECT_FALSE(use("b", t + 4000 * day_us, "c2")) << "a lifetime cap never resets";
  auto r = l.report(utc(2026, 2, 1, 0, 0));
  EXPECT_EQ(r.caps[2].resets_at, utc(2026, 3, 1, 0, 0));
  EXPECT_EQ(r.caps[3].resets_at, 0);
  EXPECT_EQ(r.caps[3].window, "lifetime");
}

TEST(LedgerCore, DaysFollowTheOwnersTimeZone) {
  auto cfg = base_config();
  cfg.buyers[0].daily_cap = 1;
  cfg.buyers[0].time_zone = "America/New_York";
  cfg.buyers[1].daily_cap = 1; // UTC
  auto l = make_core(cfg);
  auto use = [&](const std::string& buyer, timestamp_us t) {
    auto token = take(l, buyer, t);
    if (token == 0) return false;
    l.commit({token, count_stage::bridged, 0}, t);
    l.release(token, t);
    return true;
  };
  // 2026-01-06 02:00Z is still Jan 5 in New York (21:00 EST) but Jan 6 in UTC.
  EXPECT_TRUE(use("a", utc(2026, 1, 5, 15, 0)));
  EXPECT_TRUE(use("b", utc(2026, 1, 5, 15, 0)));
  EXPECT_FALSE(use("a", utc(2026, 1, 6, 2, 0)));
  EXPECT_TRUE(use("b", utc(2026, 1, 6, 2, 0)));
  EXPECT_TRUE(use("a", utc(2026, 1, 6, 5, 0))); // New York midnight
  auto r = l.report(utc(2026, 1, 6, 5, 0));
  EXPECT_EQ(r.caps[0].window_start, new_york(2026, 1, 6, 0, 0));
  EXPECT_EQ(r.caps[0].resets_at, new_york(2026, 1, 7, 0, 0));
  EXPECT_EQ(r.caps[0].time_zone, "America/New_York");
}

TEST(LedgerCore, DaylightSavingDaysAre23And25HoursLong) {
  auto cfg = base_config();
  cfg.buyers[0].time_zone = "America/New_York";
  cfg.buyers[0].daily_cap = 1;
  cfg.caps.push_back(make_cap(cap_owner::buyer, "a", cap_measure::calls, "hour", 100));
  auto l = make_core(cfg);
  auto use = [&](timestamp_us t) {
    auto token = take(l, "a", t);
    if (token == 0) return false;
    l.commit({token, count_stage::bridged, 0}, t);
    l.release(token, t);
    return true;
  };
  // Spring forward, 2026-03-08: the day has 23 hours.
  auto day_start = new_york(2026, 3, 8, 0, 0);
  EXPECT_TRUE(use(day_start + hour_us));
  EXPECT_FALSE(use(day_start + 22 * hour_us + 59 * min_us)); // 23:59 EDT, same day
  EXPECT_TRUE(use(day_start + 23 * hour_us));                // midnight EDT: the next day
  auto r = l.report(day_start + 23 * hour_us);
  EXPECT_EQ(r.caps[0].window_start, day_start + 23 * hour_us);
  // Fall back, 2026-11-01: 25 hours; 01:30 happens twice, both the same day.
  auto fall = new_york(2026, 11, 1, 0, 0);
  EXPECT_TRUE(use(fall + 90 * min_us));                 // 01:30 EDT
  EXPECT_FALSE(use(fall + 150 * min_us));               // 01:30 EST
  EXPECT_FALSE(use(fall + 24 * hour_us + 59 * min_us)); // 23:59 EST
  EXPECT_TRUE(use(fall + 25 * hour_us));                // Nov 2, midnight
  // The repeated hour is two hour windows.
  r = l.report(fall + 150 * min_us);
  EXPECT_EQ(r.caps[1].window_start, fall + 2 * hour_us);
  EXPECT_EQ(r.caps[1].resets_at, fall + 3 * hour_us);
}

TEST(LedgerCore, ACallCountsInTheWindowItWasReservedIn) {
  auto cfg = base_config();
  cfg.buyers[0].daily_cap = 1;
  auto l = make_core(cfg);
  auto late = monday + day_us - us_per_s; // 23:59:59
  auto token = take(l, "a", late);
  ASSERT_NE(token, 0u);
  auto next_day = monday + day_us + 10 * us_per_s;
  l.commit({token, count_stage::bridged, 0}, next_day);
  l.release(token, next_day);
  EXPECT_EQ(standing(l.report(next_day), 0).counted, 0) << "counted yesterday, where its unit was reserved";
  EXPECT_NE(take(l, "a", next_day), 0u);
}

TEST(LedgerCore, RollingWindowsForgetCallsOlderThanTheirLength) {
  auto cfg = base_config();
  auto rolling = make_cap(cap_owner::buyer, "a", cap_measure::calls, "rolling", 2);
  rolling.rolling_minutes = 60;
  cfg.caps.push_back(rolling);
  auto l = make_core(cfg);
  auto t = monday + 9 * hour_us + 50 * min_us; // across an hour and a day would not matter
  auto one = take(l, "a", t);
  l.commit({one, count_stage::bridged, 0}, t);
  l.release(one, t);
  auto two = take(l, "a", t + 30 * min_us); // still held (reserved)
  ASSERT_NE(two, 0u);
  auto reply = l.reserve(request({"a"}), 1, t + 59 * min_us);
  ASSERT_EQ(reply.denied.size(), 1u);
  EXPECT_EQ(reply.denied[0].frees_at, t + hour_us);
  EXPECT_EQ(take(l, "a", t + hour_us - 1), 0u);
  EXPECT_NE(take(l, "a", t + hour_us), 0u) << "the window is (now - 60 min, now]: t is out at t + 60 min";
  auto r = l.report(t + hour_us + 1);
  EXPECT_EQ(r.caps[0].window, "rolling 60m");
  EXPECT_EQ(r.caps[0].counted, 0);
  EXPECT_EQ(r.caps[0].reserved, 2);
  // A reservation that commits after it fell out of the window counts nowhere.
  l.commit({two, count_stage::bridged, 0}, t + 2 * hour_us);
  EXPECT_EQ(standing(l.report(t + 2 * hour_us), 0).counted, 0);
}

// -- concurrency and spacing --------------------------------------------------------

TEST(LedgerCore, ConcurrencyCountsLiveReservationsUntilReleased) {
  auto cfg = base_config();
  cfg.buyers[0].concurrency_cap = 2;
  auto l = make_core(cfg);
  auto t = monday;
  auto one = take(l, "a", t);
  auto two = take(l, "a", t);
  EXPECT_EQ(take(l, "a", t), 0u);
  l.commit({one, count_stage::converted, 0}, t);
  EXPECT_EQ(take(l, "a", t), 0u) << "counting does not free the line";
  EXPECT_EQ(standing(l.report(t), 0).counted, 2);
  l.release(two, t);
  EXPECT_NE(take(l, "a", t), 0u);
}

TEST(LedgerCore, SpacingAllowsOneReservationAtATimeAndWaitsAfterEachCall) {
  auto cfg = base_config();
  cfg.caps.push_back(make_cap(cap_owner::buyer, "a", cap_measure::spacing, "", 30, count_stage::routed));
  auto l = make_core(cfg);
  auto t = monday;
  auto one = take(l, "a", t);
  ASSERT_NE(one, 0u);
  EXPECT_EQ(take(l, "a", t), 0u) << "one pending reservation at a time";
  l.commit({one, count_stage::routed, 0}, t + 5 * us_per_s);
  auto reply = l.reserve(request({"a"}), 1, t + 34 * us_per_s);
  ASSERT_EQ(reply.denied.size(), 1u);
  EXPECT_EQ(reply.denied[0].frees_at, t + 35 * us_per_s);
  EXPECT_EQ(reply.denied[0].limit, 30);
  EXPECT_NE(take(l, "a", t + 35 * us_per_s), 0u);
  // A released, uncounted reservation frees the buyer at once.
  auto again = l.reserve(request({"b"}), 1, t);
  EXPECT_EQ(again.granted.size(), 1u) << "other buyers are not spaced";
}

// -- campaign, source and pair caps ----------------------------------------------

TEST(LedgerCore, CampaignAndSourceCapsCountEachCallOnceWhateverItsBuyers) {
  auto cfg = base_config();
  cfg.caps.push_back(make_cap(cap_owner::campaign, "c1", cap_measure::calls, "day", 2));
  cfg.caps.push_back(make_cap(cap_owner::source, "s2", cap_measure::concurrency, "", 1));
  auto l = make_core(cfg);
  auto t = monday;
  auto first = l.reserve(request({"a", "b", "c"}), 1, t);
  EXPECT_EQ(first.granted.size(), 3u);
  EXPECT_EQ(standing(l.report(t), 0).reserved, 1) << "one call, one unit";
  auto second = l.reserve(request({"a", "b"}), 2, t);
  EXPECT_EQ(second.granted.size(), 2u);
  auto third = l.reserve(request({"a", "b", "c"}), 3, t);
  EXPECT_TRUE(third.granted.empty());
  ASSERT_EQ(third.denied.size(), 3u) << "every buyer is denied with the campaign's reason";
  EXPECT_NE(third.denied[0].cap.find("campaign c1"), std::string::npos);
  // The first call's losers are released; its winner counts the call once.
  l.release(first.granted[1].token, t);
  l.release(first.granted[2].token, t);
  l.commit({first.granted[0].token, count_stage::bridged, 0}, t);
  l.release(first.granted[0].token, t);
  auto r = l.report(t);
  EXPECT_EQ(r.caps[0].counted, 1);
  EXPECT_EQ(r.caps[0].reserved, 1);
  // Another campaign is not capped; the source's line is one call at a time.
  EXPECT_NE(take(l, "a", t, "c2", "s2"), 0u);
  EXPECT_EQ(take(l, "b", t, "c2", "s2"), 0u);
}

TEST(LedgerCore, PairCapsApplyToThatCampaignOnly) {
  auto cfg = base_config();
  auto pair = make_cap(cap_owner::campaign_buyer, "c1", cap_measure::calls, "day", 1);
  pair.buyer_id = "a";
  cfg.caps.push_back(pair);
  auto l = make_core(cfg);
  auto t = monday;
  EXPECT_NE(take(l, "a", t, "c1"), 0u);
  EXPECT_EQ(take(l, "a", t, "c1"), 0u);
  EXPECT_NE(take(l, "a", t, "c2"), 0u);
  EXPECT_NE(take(l, "b", t, "c1"), 0u);
  EXPECT_EQ(l.report(t).caps[0].owner_id, "c1/a");
}

// -- revenue budgets ----------------------------------------------------------------

TEST(LedgerCore, BudgetsHoldBidsBeforeRoutingAndCountWhatWasCharged) {
  auto cfg = base_config();
  cfg.caps.push_back(make_cap(cap_owner::buyer, "a", cap_measure::revenue, "day", 100'000'000));
  auto l = make_core(cfg);
  auto t = monday;
  auto r1 = l.reserve(request({"a"}), 1, t);
  ASSERT_EQ(r1.granted.size(), 1u);
  EXPECT_EQ(r1.granted[0].budget_headroom_micros, 100'000'000);
  auto t1 = r1.granted[0].token;
  auto h1 = l.hold(hold_request{r1.call, {{t1, 60'000'000}}}, t);
  EXPECT_EQ(h1.held, std::vector<uint64_t>{t1});
  auto r2 = l.reserve(request({"a"}), 2, t);
  ASSERT_EQ(r2.granted.size(), 1u);
  EXPECT_EQ(r2.granted[0].budget_headroom_micros, 40'000'000);
  auto t2 = r2.granted[0].token;
  auto h2 = l.hold(hold_request{r2.call, {{t2, 50'000'000}}}, t);
  EXPECT_TRUE(h2.held.empty());
  ASSERT_EQ(h2.denied.size(), 1u);
  EXPECT_EQ(h2.denied[0].value, 60'000'000);
  EXPECT_TRUE(l.hold(hold_request{r2.call, {{t2, 40'000'000}}}, t).denied.empty()) << "exactly the headroom fits";
  // Charged less than held (second price): the rest is given back.
  l.commit({t1, count_stage::bridged, 55'000'000}, t);
  l.release(t1, t);
  auto s = standing(l.report(t), 0);
  EXPECT_EQ(s.counted, 55'000'000);
  EXPECT_EQ(s.reserved, 40'000'000);
  l.release(t2, t);
  auto r3 = l.reserve(request({"a"}), 3, t);
  EXPECT_EQ(r3.granted.at(0).budget_headroom_micros, 45'000'000);
  l.commit({r3.granted[0].token, count_stage::bridged, 45'000'000}, t);
  EXPECT_TRUE(l.reserve(request({"a"}), 4, t).granted.empty()) << "a spent budget takes no reservation";
}

TEST(LedgerCore, ACallsCampaignBudgetHoldsOnlyItsLargestOffer) {
  auto cfg = base_config();
  cfg.caps.push_back(make_cap(cap_owner::campaign, "c1", cap_measure::revenue, "day", 50'000'000));
  auto l = make_core(cfg);
  auto t = monday;
  auto r = l.reserve(request({"a", "b", "c"}), 1, t);
  ASSERT_EQ(r.granted.size(), 3u);
  auto h = l.hold(
    hold_request{
      r.call, {{r.granted[0].token, 30'000'000}, {r.granted[1].token, 20'000'000}, {r.granted[2].token, 25'000'000}}},
    t);
  EXPECT_EQ(h.held.size(), 3u) << "only one offer will be charged";
  EXPECT_EQ(standing(l.report(t), 0).reserved, 30'000'000);
  auto other = l.reserve(request({"a"}), 2, t);
  auto h2 = l.hold(hold_request{other.call, {{other.granted.at(0).token, 20'000'001}}}, t);
  EXPECT_EQ(h2.denied.size(), 1u);
  EXPECT_EQ(l.hold(hold_request{other.call, {{other.granted[0].token, 20'000'000}}}, t).held.size(), 1u);
}

TEST(LedgerCore, HoldingAnUnknownTokenIsRefused) {
  auto l = make_core(base_config());
  auto h = l.hold(hold_request{uuid{}, {{42, 1}}}, monday);
  EXPECT_TRUE(h.held.empty());
  ASSERT_EQ(h.denied.size(), 1u);
  EXPECT_EQ(h.denied[0].cap, "unknown reservation");
}

// -- holders, leases, adoption ---------------------------------------------------------

TEST(LedgerCore, AHoldersDeathReleasesWhatItHeld) {
  auto cfg = base_config();
  cfg.buyers[0].daily_cap = 2;
  cfg.buyers[0].concurrency_cap = 2;
  auto l = make_core(cfg);
  auto t = monday;
  auto mine = l.reserve(request({"a"}), 7, t).granted.at(0).token;
  l.reserve(request({"a"}), 8, t);
  l.commit({mine, count_stage::bridged, 0}, t);
  EXPECT_EQ(l.holders().size(), 2u);
  EXPECT_EQ(l.release_holder(7, t), 1u);
  EXPECT_EQ(l.release_holder(7, t), 0u);
  auto r = l.report(t);
  EXPECT_EQ(r.caps[0].counted, 1) << "what was counted stays counted";
  EXPECT_EQ(r.caps[0].reserved, 1);
  EXPECT_EQ(r.caps[1].counted, 1);
}

TEST(LedgerCore, LeasesExpire) {
  auto cfg = base_config();
  cfg.buyers[0].concurrency_cap = 1;
  auto l = make_core(cfg, 10 * us_per_s);
  auto t = monday;
  auto token = take(l, "a", t);
  ASSERT_NE(token, 0u);
  EXPECT_EQ(take(l, "a", t + 9 * us_per_s), 0u);
  EXPECT_NE(take(l, "a", t + 10 * us_per_s), 0u) << "the first lease ran out";
  EXPECT_EQ(l.expired_total(), 1u);
  EXPECT_FALSE(l.release(token, t + 11 * us_per_s));
  // A request may ask for its own lease.
  auto req = request({"b"});
  req.lease_ms = 500;
  auto b = l.reserve(req, 1, t).granted.at(0).token;
  EXPECT_EQ(l.expire_due(t + 499'999), 0u);
  EXPECT_EQ(l.expire_due(t + 500'000), 1u);
  EXPECT_FALSE(l.release(b, t + 600'000));
}

TEST(LedgerCore, AdoptionReattachesALiveCallWithoutCountingItAgain) {
  auto cfg = base_config();
  cfg.buyers[0].daily_cap = 1;
  cfg.buyers[0].concurrency_cap = 1;
  cfg.caps.push_back(make_cap(cap_owner::buyer, "a", cap_measure::calls, "day", 5, count_stage::converted));
  auto l = make_core(cfg);
  auto t = monday;
  auto original = take(l, "a", t);
  l.commit({original, count_stage::bridged, 0}, t);
  l.release_holder(1, t); // the call actor crashed
  auto req = request({"a"});
  req.mode = reserve_mode::adopt;
  req.counted = count_stage::bridged;
  auto adopted = l.reserve(req, 2, t);
  ASSERT_EQ(adopted.granted.size(), 1u) << "adoption ignores the full caps";
  auto r = l.report(t);
  EXPECT_EQ(r.caps[0].counted, 1) << "bridged: not counted twice";
  EXPECT_EQ(r.caps[1].counted, 1) << "the line is taken again";
  EXPECT_EQ(r.caps[2].reserved, 1) << "not converted yet: pending again";
  l.commit({adopted.granted[0].token, count_stage::converted, 0}, t);
  EXPECT_EQ(l.report(t).caps[2].counted, 1);
}

TEST(LedgerCore, AfterARestartTheOpenReservationsWaitForTheirCallsThenExpire) {
  auto cfg = base_config();
  cfg.buyers[0].concurrency_cap = 2;
  auto live = make_core(cfg);
  auto t = monday;
  auto bridged_call = request({"a"});
  auto round_call = request({"a"});
  auto bridged = live.reserve(bridged_call, 1, t).granted.at(0).token;
  live.commit({bridged, count_stage::bridged, 0}, t);
  auto lost = live.reserve(round_call, 2, t).granted.at(0).token; // a round's, lost with the process
  // The next process rebuilds from the journal: holders are gone (0).
  auto rebuilt = make_core(cfg);
  for (const auto& e : live.take_journal()) rebuilt.replay(e);
  auto later = t + 60 * us_per_s;
  EXPECT_EQ(rebuilt.orphan_all(later, 30 * us_per_s), 2u);
  EXPECT_EQ(take(rebuilt, "a", later), 0u) << "the caps still count both while they wait";
  // The adopted bridged call takes its reservation back; the lost round's is
  // taken back by the round run again, not doubled.
  auto adopt = bridged_call;
  adopt.mode = reserve_mode::adopt;
  adopt.counted = count_stage::bridged;
  auto adopted = rebuilt.reserve(adopt, 5, later);
  ASSERT_EQ(adopted.granted.size(), 1u);
  EXPECT_EQ(adopted.granted[0].token, bridged);
  auto rerun = rebuilt.reserve(round_call, 6, later);
  ASSERT_EQ(rerun.granted.size(), 1u) << "its own orphaned reservation: the full cap does not deny it";
  EXPECT_EQ(rerun.granted[0].token, lost);
  EXPECT_EQ(rebuilt.open_reservations(), 2u);
  EXPECT_EQ(rebuilt.committed_total(), 1u) << "counted once";
  EXPECT_EQ(rebuilt.expire_due(later + 31 * us_per_s), 0u) << "both were taken back";
  // One nobody takes back expires once the grace is over.
  auto again = make_core(cfg);
  take(again, "a", t);
  again.orphan_all(later, 30 * us_per_s);
  EXPECT_EQ(again.expire_due(later + 30 * us_per_s - 1), 0u);
  EXPECT_EQ(again.expire_due(later + 30 * us_per_s), 1u);
  EXPECT_EQ(again.open_reservations(), 0u);
}

TEST(LedgerCore, ACallBookedWithoutItsActorGivesBackEveryReservationItHeld) {
  auto cfg = base_config();
  cfg.buyers[0].concurrency_cap = 1;
  cfg.buyers[1].concurrency_cap = 1;
  auto l = make_core(cfg);
  auto t = monday;
  auto call = request({"a", "b"});
  auto granted = l.reserve(call, 0, t).granted;
  ASSERT_EQ(granted.size(), 2u);
  l.commit({granted[0].token, count_stage::bridged, 0}, t);
  EXPECT_EQ(l.release_call(call.call, t), 2u);
  EXPECT_EQ(l.open_reservations(), 0u);
  EXPECT_EQ(l.committed_total(), 1u) << "what was counted stays counted";
  EXPECT_NE(take(l, "a", t), 0u) << "the line is free";
  EXPECT_EQ(l.release_call(call.call, t), 0u);
}

TEST(LedgerCore, ANormalReserveTakesANewUnitWhileTheCallsOwnReservationIsHeld) {
  auto cfg = base_config();
  cfg.buyers[0].concurrency_cap = 2;
  auto l = make_core(cfg);
  auto t = monday;
  auto call = request({"a"});
  auto first = l.reserve(call, 5, t).granted.at(0).token;
  auto second = l.reserve(call, 5, t);
  ASSERT_EQ(second.granted.size(), 1u);
  EXPECT_NE(second.granted[0].token, first) << "only an orphaned reservation is taken back";
}

// -- the journal -----------------------------------------------------------------------

/// Drives a core with random operations from `start`, the way call actors do:
/// budgeted offers are held before they are committed, and commit at most what
/// they hold. Returns the final instant.
timestamp_us random_traffic(ledger_core& l, uint64_t seed, int steps, timestamp_us start = monday) {
  std::mt19937_64 rng{seed};
  struct held_token {
    uint64_t token, holder;
    int64_t amount;
  };
  std::vector<held_token> live;
  timestamp_us t = start;
  const std::vector<std::string> buyers{"a", "b", "c"};
  for (int i = 0; i < steps; ++i) {
    t += static_cast<int64_t>(rng() % (20 * min_us));
    auto op = rng() % 10;
    if (op < 4 || live.empty()) {
      auto holder = 1 + rng() % 50;
      auto req = request({buyers[rng() % 3], buyers[rng() % 3]}, rng() % 2 ? "c1" : "c2", rng() % 2 ? "s1" : "s2");
      auto reply = l.reserve(req, holder, t);
      for (auto& g : reply.granted) {
        auto bid = static_cast<int64_t>(rng() % 40'000'000);
        if (g.budget_headroom_micros >= 0) {
          auto h = l.hold(hold_request{req.call, {{g.token, bid}}}, t);
          if (h.held.empty()) { // over budget: this buyer does not get the call
            l.release(g.token, t);
            continue;
          }
        }
        live.push_back({g.token, holder, bid});
      }
    } else if (op < 7) {
      auto& x = live[rng() % live.size()];
      auto charged = x.amount - static_cast<int64_t>(rng() % (static_cast<uint64_t>(x.amount) + 1) / 4);
      l.commit({x.token, static_cast<count_stage>(1 + rng() % 3), charged}, t);
    } else if (op < 9) {
      auto k = rng() % live.size();
      l.release(live[k].token, t);
      live.erase(live.begin() + static_cast<std::ptrdiff_t>(k));
    } else {
      auto holder = live[rng() % live.size()].holder;
      l.release_holder(holder, t);
      std::erase_if(live, [&](const held_token& x) { return x.holder == holder; });
    }
  }
  return t;
}

engine_config busy_config() {
  auto cfg = base_config();
  cfg.buyers[0].daily_cap = 20;
  cfg.buyers[0].concurrency_cap = 3;
  cfg.buyers[1].time_zone = "Europe/London";
  cfg.caps.push_back(make_cap(cap_owner::buyer, "b", cap_measure::calls, "hour", 4, count_stage::routed));
  cfg.caps.push_back(make_cap(cap_owner::buyer, "c", cap_measure::revenue, "day", 200'000'000));
  cfg.caps.push_back(make_cap(cap_owner::campaign, "c1", cap_measure::calls, "week", 60, count_stage::converted));
  cfg.caps.push_back(make_cap(cap_owner::source, "s2", cap_measure::revenue, "month", 300'000'000));
  cfg.caps.push_back(make_cap(cap_owner::buyer, "c", cap_measure::spacing, "", 60, count_stage::routed));
  auto rolling = make_cap(cap_owner::source, "s1", cap_measure::calls, "rolling", 10);
  rolling.rolling_minutes = 90;
  cfg.caps.push_back(rolling);
  auto pair = make_cap(cap_owner::campaign_buyer, "c2", cap_measure::concurrency, "", 2);
  pair.buyer_id = "b";
  cfg.caps.push_back(pair);
  return cfg;
}

TEST(LedgerCore, ReplayingTheJournalRebuildsEveryCounter) {
  auto cfg = busy_config();
  auto live = make_core(cfg);
  auto t = random_traffic(live, 7, 3000);
  auto journal = live.take_journal();
  ASSERT_GT(journal.size(), 3000u);
  for (size_t i = 0; i < journal.size(); ++i) ASSERT_EQ(journal[i].seq, i + 1);

  auto rebuilt = make_core(cfg);
  for (const auto& e : journal) rebuilt.replay(e);
  EXPECT_EQ(rebuilt.open_reservations(), live.open_reservations());
  EXPECT_EQ(rebuilt.committed_total(), live.committed_total());
  EXPECT_EQ(rebuilt.last_seq(), live.last_seq());
  auto a = live.report(t);
  auto b = rebuilt.report(t);
  ASSERT_EQ(a.caps.size(), b.caps.size());
  for (size_t i = 0; i < a.caps.size(); ++i) {
    EXPECT_EQ(a.caps[i].counted, b.caps[i].counted) << a.caps[i].owner_id << " " << a.caps[i].measure;
    EXPECT_EQ(a.caps[i].reserved, b.caps[i].reserved) << a.caps[i].owner_id << " " << a.caps[i].measure;
  }
  // The rebuilt ledger carries on with fresh tokens and sequence numbers, and
  // the orphans of the dead run, given no grace, expire and leave only what
  // was counted.
  EXPECT_EQ(rebuilt.orphan_all(t, 0), live.open_reservations());
  EXPECT_EQ(rebuilt.expire_due(t), live.open_reservations());
  auto after = rebuilt.take_journal();
  ASSERT_FALSE(after.empty());
  EXPECT_EQ(after.front().seq, journal.back().seq + 1);
  for (const auto& s : rebuilt.report(t).caps) {
    if (s.measure != "spacing") {
      EXPECT_EQ(s.reserved, 0) << s.owner_id << " " << s.measure;
    }
    if (s.measure == "concurrency") {
      EXPECT_EQ(s.counted, 0);
    }
  }
  auto token = rebuilt.reserve(request({"a"}), 1, t).granted;
  for (const auto& g : token)
    for (const auto& e : journal) EXPECT_NE(g.token, e.token);
}

TEST(LedgerCore, RandomTrafficNeverExceedsACap) {
  auto cfg = busy_config();
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    auto l = make_core(cfg);
    std::mt19937_64 rng{seed};
    timestamp_us t = monday;
    for (int i = 0; i < 400; ++i) {
      t = random_traffic(l, seed * 1000 + static_cast<uint64_t>(i), 5, t + static_cast<int64_t>(rng() % min_us));
      for (const auto& s : l.report(t).caps) {
        if (s.measure == "spacing") continue;
        ASSERT_LE(s.counted + s.reserved, s.limit)
          << s.owner << " " << s.owner_id << " " << s.measure << " " << s.window;
      }
    }
  }
}

// -- configuration changes -----------------------------------------------------------

std::vector<cap_rule> rules_of(const engine_config& cfg) { return resolve_cap_rules(cfg).rules; }

TEST(LedgerCore, ALoweredCapStopsNewReservationsAndRevokesNothing) {
  auto cfg = base_config();
  cfg.buyers[0].daily_cap = 5;
  auto l = make_core(cfg);
  auto t = monday + 10 * hour_us;
  auto counted = take(l, "a", t);
  ASSERT_TRUE(l.commit({counted, count_stage::bridged, 0}, t));
  auto held = take(l, "a", t);
  auto also = take(l, "a", t);
  ASSERT_NE(held, 0u);
  ASSERT_NE(also, 0u);

  cfg.buyers[0].daily_cap = 2;
  EXPECT_EQ(l.replace_rules(rules_of(cfg)), 1u);
  EXPECT_EQ(take(l, "a", t), 0u) << "1 counted + 2 held: over the new limit of 2";
  auto s = standing(l.report(t), 0);
  EXPECT_EQ(s.counted, 1);
  EXPECT_EQ(s.reserved, 2);
  EXPECT_EQ(s.limit, 2);
  // What was held before the change still counts when it commits.
  EXPECT_TRUE(l.commit({held, count_stage::bridged, 0}, t));
  EXPECT_TRUE(l.release(also, t));
  EXPECT_EQ(standing(l.report(t), 0).counted, 2);
  EXPECT_EQ(take(l, "a", t), 0u);

  // Raised again: new reservations fit under it at once.
  cfg.buyers[0].daily_cap = 4;
  l.replace_rules(rules_of(cfg));
  EXPECT_NE(take(l, "a", t), 0u);
}

TEST(LedgerCore, ANewCapCountsFromNowAndARemovedOneIsForgotten) {
  auto cfg = base_config();
  cfg.buyers[0].daily_cap = 3;
  auto l = make_core(cfg);
  auto t = monday + 10 * hour_us;
  auto a1 = take(l, "a", t);
  ASSERT_TRUE(l.commit({a1, count_stage::bridged, 0}, t));

  // A new cap on buyer b and a campaign cap; buyer a's cap removed.
  cfg.buyers[0].daily_cap = 0;
  cfg.buyers[1].daily_cap = 1;
  cfg.caps.push_back(testing::make_cap(cap_owner::campaign, "c2", cap_measure::calls, "day", 1));
  EXPECT_EQ(l.replace_rules(rules_of(cfg)), 0u);
  ASSERT_EQ(l.rules().size(), 2u);
  for (int i = 0; i < 5; ++i) EXPECT_NE(take(l, "a", t), 0u) << "buyer a has no cap any more";
  auto b1 = take(l, "b", t);
  ASSERT_NE(b1, 0u);
  EXPECT_EQ(take(l, "b", t), 0u);
  EXPECT_NE(take(l, "c", t, "c2"), 0u);
  EXPECT_EQ(take(l, "c", t, "c2"), 0u) << "the campaign cap of 1 is held by the call before";
  // Reservations taken before the change hold no unit of caps that did not exist.
  EXPECT_TRUE(l.release(a1, t));
}

TEST(LedgerCore, ACapWhoseWindowChangesStartsAgain) {
  auto cfg = base_config();
  cfg.caps.push_back(testing::make_cap(cap_owner::buyer, "a", cap_measure::calls, "day", 1));
  auto l = make_core(cfg);
  auto t = monday + 10 * hour_us;
  auto a1 = take(l, "a", t);
  ASSERT_TRUE(l.commit({a1, count_stage::bridged, 0}, t));
  EXPECT_EQ(take(l, "a", t), 0u);
  cfg.caps[0].window = "hour";
  EXPECT_EQ(l.replace_rules(rules_of(cfg)), 0u) << "another window is another cap";
  EXPECT_NE(take(l, "a", t), 0u);
}

} // namespace
} // namespace ringbid
