// The analytics core (pure), the history port over a real SQLite store, and
// the analytics actor with fake ports.

#include "actors/actor_types.hpp"
#include "actors/analytics_actor.hpp"
#include "actors/core/analytics_core.hpp"
#include "adapters/sqlite/sqlite_lead_store.hpp"
#include "adapters/sqlite/sqlite_metrics_history.hpp"
#include "protocol/types.hpp"

#include <caf/all.hpp>
#include <gtest/gtest.h>

#include <condition_variable>
#include <filesystem>
#include <future>
#include <mutex>
#include <random>

#include <unistd.h>

namespace ringbid {
namespace {

constexpr timestamp_us day0 = 20'000 * us_per_day_analytics; // 2024-10-04T00:00Z
constexpr timestamp_us minute = us_per_minute;

booked_call call_at(uint64_t n, timestamp_us started, disposition outcome, std::string campaign = "c1",
                    std::string source = "s1") {
  booked_call c;
  c.id = make_uuid7(started / us_per_ms, static_cast<uint16_t>(n & 0xfff), n + 1);
  c.campaign_id = std::move(campaign);
  c.source_id = std::move(source);
  c.outcome = outcome;
  c.started_at = started;
  c.ended_at = started + 90 * us_per_s;
  if (outcome == disposition::bridged) {
    c.buyer_id = "b" + std::to_string(n % 3);
    c.round_winners = {c.buyer_id};
    c.talk_ms = 60'000 + static_cast<int64_t>(n);
    c.bid_micros = 20'000'000;
    c.revenue_micros = 20'000'000 + static_cast<int64_t>(n);
    c.payout_micros = 10'000'000;
  }
  c.auction_latency_us = outcome == disposition::unknown_number ? -1 : static_cast<int64_t>(400'000 + n * 1000);
  return c;
}

/// Everything a report is compared on.
void expect_same_figures(const metrics_figures& a, const metrics_figures& b) {
  EXPECT_EQ(a.total, b.total);
  EXPECT_EQ(a.answered, b.answered);
  EXPECT_EQ(a.missed, b.missed);
  EXPECT_EQ(a.abandoned, b.abandoned);
  EXPECT_EQ(a.other, b.other);
  EXPECT_EQ(a.talk_ms, b.talk_ms);
  EXPECT_EQ(a.revenue_micros, b.revenue_micros);
  EXPECT_EQ(a.payout_micros, b.payout_micros);
  ASSERT_EQ(a.buyers.size(), b.buyers.size());
  for (const auto& [id, x] : a.buyers) {
    ASSERT_TRUE(b.buyers.count(id)) << id;
    const auto& y = b.buyers.at(id);
    EXPECT_EQ(x.won, y.won) << id;
    EXPECT_EQ(x.offered, y.offered) << id;
    EXPECT_EQ(x.answered, y.answered) << id;
    EXPECT_EQ(x.revenue_micros, y.revenue_micros) << id;
  }
  EXPECT_EQ(a.latency_ms, b.latency_ms);
}

TEST(AnalyticsFigures, CountEveryOutcomeInExactlyOneBucket) {
  metrics_figures f;
  const disposition all[] = {disposition::bridged,     disposition::no_buyer,       disposition::buyer_no_answer,
                             disposition::abandoned,   disposition::unknown_number, disposition::failed,
                             disposition::interrupted, disposition::in_progress};
  uint64_t n = 0;
  for (auto d : all) add_call(f, call_at(n++, day0, d));
  EXPECT_EQ(f.total, 8u);
  EXPECT_EQ(f.answered, 1u);
  EXPECT_EQ(f.missed, 2u);
  EXPECT_EQ(f.abandoned, 1u);
  EXPECT_EQ(f.other, 4u);
  EXPECT_EQ(f.answered + f.missed + f.abandoned + f.other, f.total);
  EXPECT_EQ(f.talk_ms, 60'000);
  EXPECT_EQ(f.revenue_micros, 20'000'000);
  EXPECT_EQ(f.latency_ms.size(), 7u); // the unknown number had no auction
}

TEST(AnalyticsFigures, BuyersAreOfferedACallOnceAndAnswerRateStaysAtMostOne) {
  metrics_figures f;
  auto c = call_at(1, day0, disposition::bridged);
  c.buyer_id = "fallback";
  c.round_winners = {"top", "top", "other"}; // "top" won twice and did not answer; "fallback" ranked second
  add_call(f, c);
  EXPECT_EQ(f.buyers["top"].won, 2u);
  EXPECT_EQ(f.buyers["top"].offered, 1u);
  EXPECT_EQ(f.buyers["top"].answered, 0u);
  EXPECT_EQ(f.buyers["other"].offered, 1u);
  EXPECT_EQ(f.buyers["fallback"].won, 0u);
  EXPECT_EQ(f.buyers["fallback"].offered, 1u);
  EXPECT_EQ(f.buyers["fallback"].answered, 1u);
  EXPECT_EQ(f.buyers["fallback"].revenue_micros, c.revenue_micros);
}

TEST(AnalyticsFigures, LatencyPercentilesUseNearestRank) {
  EXPECT_FALSE(summarize_latency({}).has_value());
  std::map<int32_t, uint64_t> h;
  for (int32_t ms = 1; ms <= 100; ++ms) h[ms] = 1;
  auto s = summarize_latency(h);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->count, 100u);
  EXPECT_EQ(s->p50, 50);
  EXPECT_EQ(s->p90, 90);
  EXPECT_EQ(s->p99, 99);
  EXPECT_EQ(s->max, 100);
  auto one = summarize_latency({{480, 1}});
  EXPECT_EQ(one->p50, 480);
  EXPECT_EQ(one->p99, 480);
}

TEST(AnalyticsSeries, CoversTheLastMinutesOfTheRangeThatHaveBegun) {
  metrics_query q{day0, day0 + us_per_day_analytics, "", ""};
  auto m = series_minutes(q, day0 + 90 * minute + 5 * us_per_s);
  ASSERT_EQ(m.size(), 60u);
  EXPECT_EQ(m.front(), day0 + 31 * minute);
  EXPECT_EQ(m.back(), day0 + 90 * minute);
  EXPECT_EQ(series_minutes(q, day0 + 10 * minute).size(), 11u); // the day has only begun
  EXPECT_TRUE(series_minutes(q, day0 - minute).empty());        // all in the future
  auto past = series_minutes(q, day0 + 3 * us_per_day_analytics);
  EXPECT_EQ(past.back(), day0 + us_per_day_analytics - minute);
}

TEST(AnalyticsReport, BuilderKeepsToItsRangeAndFilter) {
  metrics_query q{day0 + 10 * minute, day0 + 20 * minute, "c1", ""};
  report_builder b{q, day0 + 30 * minute};
  b.add(call_at(1, day0 + 9 * minute, disposition::bridged));                // before
  b.add(call_at(2, day0 + 10 * minute, disposition::bridged));               // first instant
  b.add(call_at(3, day0 + 20 * minute - 1, disposition::no_buyer));          // last instant
  b.add(call_at(4, day0 + 20 * minute, disposition::bridged));               // the exclusive end
  b.add(call_at(5, day0 + 15 * minute, disposition::bridged, "c2"));         // other campaign
  b.add(call_at(6, day0 + 15 * minute, disposition::abandoned, "c1", "s9")); // any source
  auto r = std::move(b).finish();
  EXPECT_EQ(r.figures.total, 3u);
  EXPECT_EQ(r.figures.answered, 1u);
  EXPECT_EQ(r.figures.missed, 1u);
  EXPECT_EQ(r.figures.abandoned, 1u);
  ASSERT_EQ(r.recent.size(), 3u);
  EXPECT_GE(r.recent[0].ended_at, r.recent[1].ended_at);
  uint64_t in_series = 0;
  for (const auto& m : r.per_minute) in_series += m.total;
  EXPECT_EQ(in_series, 3u);
}

TEST(AnalyticsReport, RecentKeepsTheLatestTwentyFive) {
  metrics_query q{day0, day0 + us_per_day_analytics, "", ""};
  report_builder b{q, day0 + us_per_day_analytics};
  for (uint64_t n = 0; n < 500; ++n)
    b.add(call_at(n, day0 + static_cast<timestamp_us>(n) * us_per_s, disposition::no_buyer));
  auto r = std::move(b).finish();
  ASSERT_EQ(r.recent.size(), 25u);
  EXPECT_EQ(r.recent.front().started_at, day0 + 499 * us_per_s);
  EXPECT_EQ(r.recent.back().started_at, day0 + 475 * us_per_s);
}

TEST(AnalyticsBook, BoardFollowsCardsAndDropsBookedCalls) {
  analytics_book book{day0 + minute};
  call_card a;
  a.id = make_uuid7(1, 0, 1);
  a.started_at = day0 + minute;
  a.since = a.started_at;
  book.progress(a); // not routed yet: no campaign
  EXPECT_EQ(book.live({"c1", ""}).size(), 0u);
  a.campaign_id = "c1";
  a.source_id = "s1";
  book.progress(a);
  a.state = call_state::auction;
  book.progress(a);
  ASSERT_EQ(book.live({"c1", ""}).size(), 1u);
  EXPECT_EQ(book.live({}).front().state, call_state::auction);
  EXPECT_EQ(book.active({})[static_cast<size_t>(call_state::auction)], 1u);
  auto c = call_at(1, a.started_at, disposition::no_buyer);
  c.id = a.id;
  EXPECT_TRUE(book.booked(c));
  EXPECT_EQ(book.live_count(), 0u);
  EXPECT_FALSE(book.booked(c)) << "a second booking of one call counts once";
  a.state = call_state::ending;
  book.progress(a); // late card of a booked call
  EXPECT_EQ(book.live_count(), 0u);
  auto r = book.report({day0, day0 + us_per_day_analytics, "", ""}, day0 + 2 * minute);
  EXPECT_EQ(r.figures.total, 1u);
}

TEST(AnalyticsBook, MemoryReportsEqualTheBuilderOverAnyRangeAndFilter) {
  // Random calls over two days; the book's day totals and minute buckets must
  // give what adding the calls one by one gives, for ranges cut anywhere.
  std::mt19937_64 rng{7};
  analytics_book book{day0};
  std::vector<booked_call> calls;
  const disposition outcomes[] = {disposition::bridged, disposition::no_buyer, disposition::abandoned,
                                  disposition::failed, disposition::buyer_no_answer};
  for (uint64_t n = 0; n < 3000; ++n) {
    auto at = day0 + static_cast<timestamp_us>(rng() % static_cast<uint64_t>(2 * us_per_day_analytics));
    auto c = call_at(n, at, outcomes[rng() % 5], "c" + std::to_string(rng() % 3), "s" + std::to_string(rng() % 2));
    if (rng() % 4 == 0) c.round_winners.push_back("b" + std::to_string(rng() % 4));
    calls.push_back(c);
    ASSERT_TRUE(book.booked(c));
  }
  auto now = day0 + 2 * us_per_day_analytics - minute;
  for (int trial = 0; trial < 40; ++trial) {
    auto a = minute_start(day0 + static_cast<timestamp_us>(rng() % static_cast<uint64_t>(2 * us_per_day_analytics)));
    auto b = minute_start(day0 + static_cast<timestamp_us>(rng() % static_cast<uint64_t>(2 * us_per_day_analytics)));
    if (trial == 0) a = day0, b = day0 + us_per_day_analytics;     // exactly one day
    if (trial == 1) a = day0, b = day0 + 2 * us_per_day_analytics; // both days
    if (a > b) std::swap(a, b);
    if (a == b) b += minute;
    metrics_query q{a, b, trial % 3 == 0 ? "" : "c1", trial % 2 == 0 ? "" : "s1"};
    report_builder expected{q, now};
    for (const auto& c : calls) expected.add(c);
    auto want = std::move(expected).finish();
    auto got = book.report(q, now);
    expect_same_figures(got.figures, want.figures);
    ASSERT_EQ(got.per_minute.size(), want.per_minute.size());
    for (size_t i = 0; i < got.per_minute.size(); ++i) {
      EXPECT_EQ(got.per_minute[i].total, want.per_minute[i].total);
      EXPECT_EQ(got.per_minute[i].answered, want.per_minute[i].answered);
    }
  }
}

TEST(AnalyticsBook, RollingForgetsDaysBeyondThoseKept) {
  analytics_book book{day0 + minute, 2000, 2};
  ASSERT_TRUE(book.booked(call_at(1, day0 + minute, disposition::bridged)));
  book.roll(day0 + us_per_day_analytics + minute); // day 2: day 0 still kept
  EXPECT_EQ(book.memory_since(), day0);
  book.roll(day0 + 2 * us_per_day_analytics + minute); // day 3
  EXPECT_EQ(book.memory_since(), day0 + us_per_day_analytics);
  auto r = book.report({day0, day0 + 3 * us_per_day_analytics, "", ""}, day0 + 2 * us_per_day_analytics);
  EXPECT_EQ(r.figures.total, 0u) << "day 0 is the history's now";
  EXPECT_TRUE(book.booked(call_at(2, day0 + minute, disposition::bridged))) << "a late lead of a forgotten day";
  EXPECT_EQ(book.report({day0, day0 + 3 * us_per_day_analytics, "", ""}, day0).figures.total, 0u);
}

TEST(AnalyticsReport, MergingHistoryAddsFiguresSeriesAndRecent) {
  metrics_query q{day0, day0 + 2 * minute + 1, "", ""};
  auto now = day0 + 5 * minute;
  report_builder memory_part{q, now};
  memory_part.add(call_at(1, day0 + minute, disposition::bridged));
  report_builder history_part{q, now};
  history_part.add(call_at(2, day0, disposition::no_buyer));
  auto merged = std::move(memory_part).finish();
  merge_reports(merged, std::move(history_part).finish());
  EXPECT_EQ(merged.figures.total, 2u);
  EXPECT_EQ(merged.recent.size(), 2u);
  uint64_t in_series = 0;
  for (const auto& m : merged.per_minute) in_series += m.total;
  EXPECT_EQ(in_series, 2u);
}

// -- the history port on a real store -------------------------------------------------------

lead_record lead_of(const booked_call& c) {
  lead_record l;
  l.id = c.id;
  l.carrier_call_id = "v3:" + c.id.to_string();
  l.campaign_id = c.campaign_id;
  l.source_id = c.source_id;
  l.buyer_id = c.buyer_id;
  l.outcome = c.outcome;
  l.started_at = c.started_at;
  l.ended_at = c.ended_at;
  l.talk_ms = c.talk_ms;
  l.bid_micros = c.bid_micros;
  l.revenue_micros = c.revenue_micros;
  l.payout_micros = c.payout_micros;
  l.auction_latency_us = c.auction_latency_us;
  uint32_t round = 0;
  for (const auto& w : c.round_winners) {
    auction_record a;
    a.round = ++round;
    a.winner = w;
    l.auctions.push_back(a);
  }
  // A round nobody won is not a win.
  auction_record empty;
  empty.round = ++round;
  l.auctions.push_back(empty);
  l.auction_rounds = round;
  return l;
}

class AnalyticsHistory : public ::testing::Test {
protected:
  void SetUp() override {
    char pattern[] = "/tmp/ringbid-analytics-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    path_ = dir_ + "/leads.db";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::vector<booked_call> store(size_t n) {
    sqlite_options o;
    o.path = path_;
    std::string error;
    auto s = sqlite_lead_store::open(o, &error);
    EXPECT_TRUE(s) << error;
    std::vector<booked_call> calls;
    const disposition outcomes[] = {disposition::bridged, disposition::no_buyer, disposition::abandoned,
                                    disposition::interrupted};
    for (size_t i = 0; i < n; ++i) {
      auto c = call_at(i, day0 + static_cast<timestamp_us>(i) * 7 * minute, outcomes[i % 4],
                       "c" + std::to_string(i % 2), "s" + std::to_string(i % 3));
      if (i % 5 == 0) c.round_winners.insert(c.round_winners.begin(), "b9");
      calls.push_back(c);
      s->submit(lead_of(c));
    }
    s->flush();
    return calls;
  }

  metrics_report load(sqlite_metrics_history& h, const metrics_query& q, timestamp_us now) {
    std::promise<metrics_report> answer;
    h.load(q, now, [&](metrics_report r) { answer.set_value(std::move(r)); });
    return answer.get_future().get();
  }

  std::string dir_, path_;
};

TEST_F(AnalyticsHistory, ReadsWhatTheBuilderCountsFromTheSameLeads) {
  auto calls = store(600); // 600 calls 7 minutes apart: almost three days
  sqlite_metrics_history history{path_};
  auto now = day0 + 4 * us_per_day_analytics;
  for (auto q : {metrics_query{day0, day0 + 3 * us_per_day_analytics, "", ""},
                 metrics_query{day0 + us_per_day_analytics, day0 + 2 * us_per_day_analytics, "c1", ""},
                 metrics_query{day0 + 100 * minute, day0 + 1000 * minute, "", "s2"}}) {
    report_builder expected{q, now};
    for (const auto& c : calls) expected.add(c);
    auto want = std::move(expected).finish();
    auto got = load(history, q, now);
    ASSERT_TRUE(got.error.empty()) << got.error;
    expect_same_figures(got.figures, want.figures);
    ASSERT_EQ(got.recent.size(), want.recent.size());
    for (size_t i = 0; i < got.recent.size(); ++i) EXPECT_EQ(got.recent[i].id, want.recent[i].id);
  }
}

TEST_F(AnalyticsHistory, AMissingStoreIsAnErrorNotACrash) {
  sqlite_metrics_history history{dir_ + "/nope.db"};
  auto r = load(history, {day0, day0 + minute, "", ""}, day0);
  EXPECT_NE(r.error.find("cannot read"), std::string::npos) << r.error;
  history.stop();
  auto after = load(history, {day0, day0 + minute, "", ""}, day0);
  EXPECT_NE(after.error.find("stopped"), std::string::npos);
}

// -- the actor ----------------------------------------------------------------------------------

class fixed_clock : public wall_clock {
public:
  explicit fixed_clock(timestamp_us t) : t_(t) {}
  timestamp_us now() const override { return t_; }

private:
  timestamp_us t_;
};

class recording_feed : public live_feed {
public:
  void call_changed(const call_card& card) override {
    std::lock_guard lock(mutex_);
    cards.push_back(card);
    changed_.notify_all();
  }
  std::vector<std::pair<std::string, std::string>> watched_filters() const override { return {{"", ""}, {"c1", ""}}; }
  void snapshot(const metrics_report& report) override {
    std::lock_guard lock(mutex_);
    snapshots.push_back(report);
    changed_.notify_all();
  }
  template <class Pred>
  bool wait(Pred pred) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds{10}, [&] { return pred(*this); });
  }

  std::vector<call_card> cards;
  std::vector<metrics_report> snapshots;

private:
  std::mutex mutex_;
  std::condition_variable changed_;
};

class canned_history : public metrics_history {
public:
  void load(const metrics_query& query, timestamp_us now, done callback) override {
    report_builder b{query, now};
    b.add(call_at(99, query.from, disposition::bridged, "c1", "s1"));
    // Answer from another thread, as the real one does.
    std::thread([r = std::move(b).finish(), callback]() mutable { callback(std::move(r)); }).detach();
  }
};

struct actor_fixture {
  caf::actor_system_config cfg;
  caf::actor_system sys{[this]() -> caf::actor_system_config& {
    add_protocol_types(cfg);
    add_actor_types(cfg);
    return cfg;
  }()};
};

TEST(AnalyticsActor, CountsCallsAnswersQueriesWithHistoryAndPublishesSnapshots) {
  actor_fixture f;
  auto now = day0 + us_per_day_analytics + 10 * minute; // day 1; day 0 is history
  auto feed = std::make_shared<recording_feed>();
  analytics_parts parts;
  parts.book = std::make_shared<analytics_book>(now);
  parts.clock = std::make_shared<fixed_clock>(now);
  parts.feed = feed;
  parts.history = std::make_shared<canned_history>();
  parts.tick = std::chrono::milliseconds{20};
  caf::scoped_actor self{f.sys};
  auto actor = spawn_analytics(self.ptr(), parts);

  call_card card;
  card.id = make_uuid7(now / us_per_ms, 1, 1);
  card.campaign_id = "c1";
  card.source_id = "s1";
  card.state = call_state::bridged;
  card.started_at = now - minute;
  self->send(actor, call_progress{card});
  auto booked = call_at(1, now - minute, disposition::bridged, "c1", "s1");
  booked.id = card.id;
  self->send(actor, call_booked{booked});
  ASSERT_TRUE(feed->wait([](const recording_feed& r) { return r.cards.size() >= 2; }));
  EXPECT_EQ(feed->cards[1].state, call_state::done);
  EXPECT_EQ(feed->cards[1].outcome, disposition::bridged);

  // Memory only: today.
  metrics_report today;
  self
    ->request(actor, std::chrono::seconds{5},
              metrics_query{day0 + us_per_day_analytics, day0 + 2 * us_per_day_analytics, "", ""})
    .receive([&](metrics_report& r) { today = std::move(r); }, [&](caf::error& e) { FAIL() << caf::to_string(e); });
  EXPECT_EQ(today.figures.total, 1u);
  // Both days: the history's call is added.
  metrics_report both;
  self->request(actor, std::chrono::seconds{5}, metrics_query{day0, day0 + 2 * us_per_day_analytics, "", ""})
    .receive([&](metrics_report& r) { both = std::move(r); }, [&](caf::error& e) { FAIL() << caf::to_string(e); });
  EXPECT_EQ(both.figures.total, 2u);
  EXPECT_EQ(both.figures.answered, 2u);
  // Snapshots for each watched filter.
  ASSERT_TRUE(feed->wait([](const recording_feed& r) { return r.snapshots.size() >= 4; }));
  bool saw_c1 = false;
  for (const auto& s : feed->snapshots) {
    if (s.query.campaign_id == "c1") saw_c1 = true;
    EXPECT_EQ(s.query.from, day0 + us_per_day_analytics);
  }
  EXPECT_TRUE(saw_c1);
  live_board board;
  self->request(actor, std::chrono::seconds{5}, live_board_query{"", ""})
    .receive([&](live_board& b) { board = std::move(b); }, [&](caf::error& e) { FAIL() << caf::to_string(e); });
  EXPECT_TRUE(board.calls.empty());
  self->send_exit(actor, caf::exit_reason::user_shutdown);
}

} // namespace
} // namespace ringbid
