// The cap ledger's promise, proven from its own journal: thousands of
// concurrent simulated calls, random hangups and random actor crashes against
// tight caps of every kind, and at no instant did any cap hold more than its
// limit (counted + reserved), and no reservation outlived its call.
//
// The checker below re-derives every cap's value from the journal rows alone,
// with its own bookkeeping (per-window sums keyed by the window each
// reservation was taken in), independent of ledger_core's counters.

#include "actors/core/cap_rules.hpp"
#include "adapters/config/config_json.hpp"
#include "adapters/sqlite/sqlite_cap_journal.hpp"
#include "tests/support/cap_test_support.hpp"
#include "tools/node/simulation.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <string>

#ifndef RINGBID_SOURCE_DIR
#error "RINGBID_SOURCE_DIR must be defined"
#endif

namespace ringbid {
namespace {

using testing::make_cap;

/// Replays a journal and reports every instant a cap went over its limit.
class journal_checker {
public:
  journal_checker(std::vector<cap_rule> rules, int64_t grace_us) : rules_(std::move(rules)), grace_us_(grace_us) {}

  void apply(const cap_journal_entry& e) {
    ++entries_;
    last_at_ = e.at;
    if (e.seq != entries_) fail("journal sequence gap at seq " + std::to_string(e.seq));
    switch (e.op) {
      case cap_op::reserve: reserve(e); break;
      case cap_op::hold: hold(e); break;
      case cap_op::commit: commit(e); break;
      case cap_op::release:
      case cap_op::expire: end(e); break;
      case cap_op::renew: {
        auto it = live_.find(e.token);
        if (it == live_.end())
          fail("renew of unknown token " + std::to_string(e.token));
        else
          it->second.lease_until = e.lease_until, it->second.orphaned = e.lease_until <= e.at + grace_us_;
        break;
      }
    }
  }

  /// Reservations still open that are not orphans waiting out their grace.
  std::vector<uint64_t> leaked() const {
    std::vector<uint64_t> out;
    for (const auto& [token, r] : live_)
      if (!r.orphaned || r.lease_until > last_at_ + grace_us_) out.push_back(token);
    return out;
  }

  const std::vector<std::string>& violations() const { return violations_; }
  uint64_t unchecked_adoptions() const { return adoptions_; }
  uint64_t entries() const { return entries_; }
  /// The highest value each rule reached, to show the caps were actually tight.
  const std::map<size_t, int64_t>& peaks() const { return peaks_; }

private:
  struct reservation {
    std::string call, campaign, source, buyer;
    timestamp_us at = 0;
    count_stage reached = count_stage::none;
    int64_t held = 0;
    timestamp_us lease_until = 0;
    bool orphaned = false;
  };
  /// A call's stretch of holding at least one reservation: campaign and source
  /// caps count it once.
  struct episode {
    timestamp_us at = 0;
    int live = 0;
    count_stage reached = count_stage::none;
    int64_t held_max = 0;
  };

  bool applies(const cap_rule& r, const reservation& x) const {
    switch (r.owner) {
      case cap_owner::buyer: return r.owner_id == x.buyer;
      case cap_owner::campaign_buyer: return r.owner_id == x.campaign && r.buyer_id == x.buyer;
      case cap_owner::campaign: return r.owner_id == x.campaign;
      case cap_owner::source: return r.owner_id == x.source;
    }
    return false;
  }

  /// The window a unit taken at `at` counts in, as its key.
  timestamp_us window_of(const cap_rule& r, timestamp_us at) const {
    return r.rolling ? at : r.zone.window_at(r.window, at).start;
  }

  /// Adds `delta` to the rule's sum for the window of `at` and checks the limit.
  void add(size_t i, timestamp_us at, int64_t delta, timestamp_us now) {
    const auto& r = rules_[i];
    auto& sums = sums_[i];
    sums[window_of(r, at)] += delta;
    if (delta <= 0) return;
    int64_t value = 0;
    if (r.rolling) {
      for (auto it = sums.upper_bound(now - r.rolling_us); it != sums.end() && it->first <= now; ++it)
        value += it->second;
    } else {
      value = sums[window_of(r, at)];
    }
    check(i, value, now);
  }

  void check(size_t i, int64_t value, timestamp_us now) {
    auto& peak = peaks_[i];
    peak = std::max(peak, value);
    if (value > rules_[i].limit)
      fail(rules_[i].label + ": " + std::to_string(value) + " > " + std::to_string(rules_[i].limit) + " at " +
           format_iso8601(now));
  }

  void fail(std::string what) {
    if (violations_.size() < 20) violations_.push_back(std::move(what));
  }

  // Per-rule effects of one unit (a buyer reservation or a call episode).
  void take(size_t i, timestamp_us at, count_stage counted, timestamp_us now) {
    const auto& r = rules_[i];
    bool already = counted != count_stage::none && r.stage <= counted;
    switch (r.measure) {
      case cap_measure::calls:
        if (!already) add(i, at, 1, now);
        break;
      case cap_measure::revenue: break;
      case cap_measure::concurrency: check(i, ++concurrent_[i], now); break;
      case cap_measure::spacing:
        if (already) break;
        if (++spacing_pending_[i] > 1) fail(r.label + ": two calls reserved at once at " + format_iso8601(now));
        if (last_count_.count(i) && now < last_count_[i] + r.limit)
          fail(r.label + ": reserved " + std::to_string((now - last_count_[i]) / us_per_s) + " s after the last call");
        break;
    }
  }

  void count(size_t i, timestamp_us at, count_stage before, count_stage after, int64_t held, int64_t amount,
             timestamp_us now) {
    const auto& r = rules_[i];
    if (r.measure == cap_measure::concurrency || !(r.stage > before && r.stage <= after)) return;
    if (r.measure == cap_measure::revenue) add(i, at, amount - held, now);
    if (r.measure == cap_measure::spacing) {
      --spacing_pending_[i];
      last_count_[i] = now;
    }
  }

  void give_back(size_t i, timestamp_us at, count_stage reached, int64_t held, timestamp_us now) {
    const auto& r = rules_[i];
    bool counted = reached != count_stage::none && r.stage <= reached;
    switch (r.measure) {
      case cap_measure::calls:
        if (!counted) add(i, at, -1, now);
        break;
      case cap_measure::revenue:
        if (!counted) add(i, at, -held, now);
        break;
      case cap_measure::concurrency: --concurrent_[i]; break;
      case cap_measure::spacing:
        if (!counted) --spacing_pending_[i];
        break;
    }
  }

  void reserve(const cap_journal_entry& e) {
    if (e.stage != count_stage::none) ++adoptions_;
    reservation x{e.call.to_string(), e.campaign_id, e.source_id, e.buyer_id, e.at, e.stage, 0, e.lease_until, false};
    auto& ep = episodes_[x.call];
    bool fresh = ep.live == 0;
    if (fresh) ep = episode{e.at, 0, e.stage, 0};
    ++ep.live;
    for (size_t i = 0; i < rules_.size(); ++i) {
      if (!applies(rules_[i], x)) continue;
      if (!rules_[i].per_call())
        take(i, e.at, e.stage, e.at);
      else if (fresh)
        take(i, ep.at, e.stage, e.at);
    }
    live_.emplace(e.token, std::move(x));
  }

  void hold(const cap_journal_entry& e) {
    auto it = live_.find(e.token);
    if (it == live_.end()) return fail("hold of unknown token " + std::to_string(e.token));
    auto& x = it->second;
    auto& ep = episodes_[x.call];
    auto new_max = std::max(ep.held_max, e.amount_micros);
    for (size_t i = 0; i < rules_.size(); ++i) {
      const auto& r = rules_[i];
      if (r.measure != cap_measure::revenue || !applies(r, x)) continue;
      if (!r.per_call() && !(x.reached != count_stage::none && r.stage <= x.reached))
        add(i, x.at, e.amount_micros - x.held, e.at);
      if (r.per_call() && !(ep.reached != count_stage::none && r.stage <= ep.reached))
        add(i, ep.at, new_max - ep.held_max, e.at);
    }
    x.held = e.amount_micros;
    ep.held_max = new_max;
  }

  void commit(const cap_journal_entry& e) {
    auto it = live_.find(e.token);
    if (it == live_.end()) return fail("commit of unknown token " + std::to_string(e.token));
    auto& x = it->second;
    auto& ep = episodes_[x.call];
    if (e.stage <= x.reached) return;
    for (size_t i = 0; i < rules_.size(); ++i) {
      if (!applies(rules_[i], x)) continue;
      if (!rules_[i].per_call())
        count(i, x.at, x.reached, e.stage, x.held, e.amount_micros, e.at);
      else
        count(i, ep.at, ep.reached, e.stage, ep.held_max, e.amount_micros, e.at);
    }
    x.reached = e.stage; // `held` stays: caps counting at a later stage still hold it
    if (e.stage > ep.reached) ep.reached = e.stage;
  }

  void end(const cap_journal_entry& e) {
    auto it = live_.find(e.token);
    if (it == live_.end()) return fail("end of unknown token " + std::to_string(e.token));
    auto x = std::move(it->second);
    live_.erase(it);
    auto& ep = episodes_[x.call];
    bool last = --ep.live == 0;
    for (size_t i = 0; i < rules_.size(); ++i) {
      if (!applies(rules_[i], x)) continue;
      if (!rules_[i].per_call())
        give_back(i, x.at, x.reached, x.held, e.at);
      else if (last)
        give_back(i, ep.at, ep.reached, ep.held_max, e.at);
    }
    if (last) episodes_.erase(x.call);
  }

  std::vector<cap_rule> rules_;
  int64_t grace_us_;
  std::map<uint64_t, reservation> live_;
  std::map<std::string, episode> episodes_;
  std::map<size_t, std::map<timestamp_us, int64_t>> sums_;
  std::map<size_t, int64_t> concurrent_, spacing_pending_, peaks_;
  std::map<size_t, timestamp_us> last_count_;
  std::vector<std::string> violations_;
  uint64_t entries_ = 0;
  uint64_t adoptions_ = 0;
  timestamp_us last_at_ = 0;
};

/// The demo network under caps tight enough to bite many times a minute.
engine_config tight_config() {
  auto loaded = load_config_file(std::string{RINGBID_SOURCE_DIR} + "/examples/demo.json");
  EXPECT_TRUE(loaded.ok()) << format_config_errors(loaded.errors);
  auto cfg = *loaded.config;
  cfg.caps.clear(); // the demo's own caps; these are tighter
  cfg.carrier_sim.talk_s_mean = 60;
  for (auto& b : cfg.buyers) {
    b.daily_cap = 400;
    b.concurrency_cap = 150;
  }
  cfg.buyers[0].time_zone = "America/New_York";
  cfg.buyers[1].time_zone = "Europe/London";
  cfg.buyers[2].conversion_buffer_s = 30;
  using o = cap_owner;
  using m = cap_measure;
  cfg.caps.push_back(make_cap(o::buyer, "shieldline-auto", m::calls, "hour", 60, count_stage::routed));
  cfg.caps.push_back(make_cap(o::buyer, "clearquote-direct", m::calls, "day", 90, count_stage::converted));
  cfg.caps.push_back(make_cap(o::buyer, "harborpoint-ins", m::revenue, "day", 2'500'000'000));
  cfg.caps.push_back(make_cap(o::campaign, "plumbing-ca-tx", m::concurrency, "", 120));
  cfg.caps.push_back(make_cap(o::campaign, "auto-ins-national", m::calls, "week", 1200));
  cfg.caps.push_back(make_cap(o::source, "lakeside-leads", m::revenue, "month", 9'000'000'000, count_stage::routed));
  auto rolling = make_cap(o::source, "summit-search", m::calls, "rolling", 120);
  rolling.rolling_minutes = 10;
  cfg.caps.push_back(rolling);
  auto pair = make_cap(o::campaign_buyer, "plumbing-ca-tx", m::calls, "day", 80);
  pair.buyer_id = "metro-call-exchange";
  cfg.caps.push_back(pair);
  cfg.caps.push_back(make_cap(o::buyer, "lone-star-plumbing", m::spacing, "", 2, count_stage::routed));
  return cfg;
}

std::string temp_db(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("ringbid-caps-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return (dir / (name + ".db")).string();
}

TEST(CapProperty, TheCheckerCatchesAnOverCapJournalAndALeak) {
  engine_config cfg;
  buyer_config b;
  b.id = "a";
  b.daily_cap = 2;
  cfg.buyers.push_back(b);
  auto rules = resolve_cap_rules(cfg);
  journal_checker checker{rules.rules, 5 * us_per_s};
  uint64_t seq = 0;
  auto reserve = [&](uint64_t token, uint64_t call) {
    cap_journal_entry e;
    e.seq = ++seq;
    e.at = 1000 * us_per_s;
    e.op = cap_op::reserve;
    e.token = token;
    e.call = uuid{0, call};
    e.buyer_id = "a";
    e.lease_until = e.at + 3600 * us_per_s;
    checker.apply(e);
  };
  reserve(1, 1);
  reserve(2, 2);
  EXPECT_TRUE(checker.violations().empty());
  reserve(3, 3);
  ASSERT_EQ(checker.violations().size(), 1u);
  EXPECT_NE(checker.violations()[0].find("3 > 2"), std::string::npos) << checker.violations()[0];
  EXPECT_EQ(checker.leaked().size(), 3u);
}

TEST(CapProperty, NoCapIsEverExceededAndNoReservationLeaksUnderCrashes) {
  auto cfg = tight_config();
  simulation_options opt;
  opt.calls = 4000;
  opt.calls_per_second = 40; // with a minute of talk: about 2,500 calls in flight
  opt.seed = 11;
  opt.db_path = temp_db("property");
  opt.chaos = true;
  opt.chaos_interval_ms = 400;
  auto report = run_simulation(cfg, opt);
  std::printf("calls %llu, bridged %llu, no buyer %llu, pings %llu, denials %llu, kills %llu, journal %llu\n",
              (unsigned long long)report.completed, (unsigned long long)report.leads.bridged,
              (unsigned long long)report.leads.no_buyer, (unsigned long long)report.pings,
              (unsigned long long)report.cap_denials, (unsigned long long)report.peer_kills,
              (unsigned long long)report.cap_journal_entries);
  ASSERT_TRUE(report.finished);
  EXPECT_EQ(report.completed, opt.calls);
  EXPECT_GT(report.peer_kills, 10u) << "crashes happened";
  EXPECT_GT(report.cap_denials, 500u) << "the caps were tight enough to refuse buyers";

  auto rules = resolve_cap_rules(cfg);
  ASSERT_TRUE(rules.errors.empty());
  journal_checker checker{rules.rules, int64_t{cfg.timing.ledger_orphan_grace_ms} * us_per_ms};
  std::string error;
  ASSERT_TRUE(read_cap_journal(
    opt.db_path, [&](const cap_journal_entry& e) { checker.apply(e); }, &error))
    << error;
  EXPECT_EQ(checker.entries(), report.cap_journal_entries);
  EXPECT_GT(checker.entries(), 10'000u);
  for (const auto& v : checker.violations()) ADD_FAILURE() << v;
  EXPECT_TRUE(checker.leaked().empty()) << checker.leaked().size() << " reservations never ended";
  EXPECT_EQ(checker.unchecked_adoptions(), 0u) << "every restarted call re-attached its own reservation";

  // The caps were reached, not just approached: most peaks sit at the limit.
  std::set<cap_measure> full_kinds;
  for (const auto& [i, peak] : checker.peaks()) {
    const auto& rule = rules.rules[i];
    if (peak == rule.limit) full_kinds.insert(rule.measure);
    if (rule.measure == cap_measure::revenue) {
      EXPECT_GE(peak, rule.limit / 100 * 99) << rule.label << ": budgets fill to within a bid";
    }
  }
  EXPECT_TRUE(full_kinds.count(cap_measure::calls)) << "some call cap was exactly full";
  EXPECT_TRUE(full_kinds.count(cap_measure::concurrency)) << "some concurrency cap was exactly full";
  std::filesystem::remove_all(std::filesystem::path(opt.db_path).parent_path());
}

} // namespace
} // namespace ringbid
