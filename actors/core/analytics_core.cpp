#include "actors/core/analytics_core.hpp"

#include <algorithm>

namespace ringbid {

namespace {

constexpr size_t booked_ids_kept = 16384;

timestamp_us floor_to(timestamp_us t, int64_t unit) {
  auto q = t / unit;
  if (t % unit < 0) --q;
  return q * unit;
}

bool newer_first(const booked_call& a, const booked_call& b) {
  if (a.ended_at != b.ended_at) return a.ended_at > b.ended_at;
  return a.id > b.id;
}

bool is_answered(const booked_call& c) { return c.outcome == disposition::bridged; }

} // namespace

timestamp_us minute_start(timestamp_us t) { return floor_to(t, us_per_minute); }
timestamp_us utc_day_start(timestamp_us t) { return floor_to(t, us_per_day_analytics); }

bool started_earlier(const call_card& a, const call_card& b) {
  return a.started_at != b.started_at ? a.started_at < b.started_at : a.id < b.id;
}

void add_call(metrics_figures& into, const booked_call& call) {
  ++into.total;
  switch (call.outcome) {
    case disposition::bridged: ++into.answered; break;
    case disposition::no_buyer:
    case disposition::buyer_no_answer: ++into.missed; break;
    case disposition::abandoned: ++into.abandoned; break;
    case disposition::in_progress:
    case disposition::unknown_number:
    case disposition::failed:
    case disposition::interrupted: ++into.other; break;
    case disposition::paused: ++into.paused; break;
  }
  into.talk_ms += call.talk_ms;
  into.revenue_micros += call.revenue_micros;
  into.payout_micros += call.payout_micros;
  // A buyer is offered a call once, however many rounds it won.
  for (size_t i = 0; i < call.round_winners.size(); ++i) {
    const auto& w = call.round_winners[i];
    auto& b = into.buyers[w];
    ++b.won;
    if (std::find(call.round_winners.begin(), call.round_winners.begin() + static_cast<std::ptrdiff_t>(i), w) ==
        call.round_winners.begin() + static_cast<std::ptrdiff_t>(i))
      ++b.offered;
  }
  if (!call.buyer_id.empty()) {
    auto& b = into.buyers[call.buyer_id];
    b.revenue_micros += call.revenue_micros;
    if (is_answered(call)) {
      ++b.answered;
      // Bridged as a fallback without winning a round: offered all the same.
      if (std::find(call.round_winners.begin(), call.round_winners.end(), call.buyer_id) == call.round_winners.end())
        ++b.offered;
    }
  }
  if (call.auction_latency_us >= 0) ++into.latency_ms[static_cast<int32_t>(call.auction_latency_us / us_per_ms)];
}

void merge(metrics_figures& into, const metrics_figures& from) {
  into.total += from.total;
  into.answered += from.answered;
  into.missed += from.missed;
  into.abandoned += from.abandoned;
  into.other += from.other;
  into.talk_ms += from.talk_ms;
  into.revenue_micros += from.revenue_micros;
  into.payout_micros += from.payout_micros;
  for (const auto& [id, b] : from.buyers) {
    auto& x = into.buyers[id];
    x.won += b.won;
    x.offered += b.offered;
    x.answered += b.answered;
    x.revenue_micros += b.revenue_micros;
  }
  for (const auto& [ms, n] : from.latency_ms) into.latency_ms[ms] += n;
}

std::optional<latency_summary> summarize_latency(const std::map<int32_t, uint64_t>& latency_ms) {
  latency_summary out;
  for (const auto& [ms, n] : latency_ms) out.count += n;
  if (out.count == 0) return std::nullopt;
  auto rank = [&](uint64_t percent) {
    // Nearest rank: the smallest value with at least percent% of the samples at or below it.
    uint64_t needed = std::max<uint64_t>(1, (out.count * percent + 99) / 100);
    uint64_t seen = 0;
    for (const auto& [ms, n] : latency_ms) {
      seen += n;
      if (seen >= needed) return ms;
    }
    return latency_ms.rbegin()->first;
  };
  out.p50 = rank(50);
  out.p90 = rank(90);
  out.p99 = rank(99);
  out.max = latency_ms.rbegin()->first;
  return out;
}

std::vector<timestamp_us> series_minutes(const metrics_query& query, timestamp_us now, int minutes) {
  std::vector<timestamp_us> out;
  auto end = std::min(minute_start(query.until - 1), minute_start(now)); // the last minute that has begun
  auto first = std::max(minute_start(query.from), end - (minutes - 1) * us_per_minute);
  for (auto m = first; m <= end; m += us_per_minute) out.push_back(m);
  return out;
}

report_builder::report_builder(const metrics_query& query, timestamp_us now, size_t recent_limit)
  : filter_{query.campaign_id, query.source_id}, recent_limit_(recent_limit) {
  report_.query = query;
  report_.generated_at = now;
  minutes_ = series_minutes(query, now);
  for (auto m : minutes_) report_.per_minute.push_back(minute_count{m, 0, 0});
}

void report_builder::add(const booked_call& call) {
  const auto& q = report_.query;
  if (call.started_at < q.from || call.started_at >= q.until) return;
  if (!filter_.matches(call.campaign_id, call.source_id)) return;
  add_call(report_.figures, call);
  if (!minutes_.empty()) {
    auto m = minute_start(call.started_at);
    if (m >= minutes_.front() && m <= minutes_.back()) {
      auto& slot = report_.per_minute[static_cast<size_t>((m - minutes_.front()) / us_per_minute)];
      ++slot.total;
      if (is_answered(call)) ++slot.answered;
    }
  }
  auto& recent = report_.recent;
  recent.push_back(call);
  if (recent.size() >= 2 * recent_limit_ + 16) {
    std::partial_sort(recent.begin(), recent.begin() + static_cast<std::ptrdiff_t>(recent_limit_), recent.end(),
                      newer_first);
    recent.resize(recent_limit_);
  }
}

metrics_report report_builder::finish() && {
  auto& recent = report_.recent;
  std::sort(recent.begin(), recent.end(), newer_first);
  if (recent.size() > recent_limit_) recent.resize(recent_limit_);
  return std::move(report_);
}

void merge_reports(metrics_report& into, const metrics_report& part, size_t recent_limit) {
  merge(into.figures, part.figures);
  for (const auto& pm : part.per_minute) {
    auto i = std::find_if(into.per_minute.begin(), into.per_minute.end(),
                          [&](const minute_count& m) { return m.minute == pm.minute; });
    if (i == into.per_minute.end()) continue;
    i->total += pm.total;
    i->answered += pm.answered;
  }
  into.recent.insert(into.recent.end(), part.recent.begin(), part.recent.end());
  std::sort(into.recent.begin(), into.recent.end(), newer_first);
  if (into.recent.size() > recent_limit) into.recent.resize(recent_limit);
  if (into.error.empty()) into.error = part.error;
}

analytics_book::analytics_book(timestamp_us now, size_t recent_capacity, int days_kept)
  : since_(utc_day_start(now)), recent_capacity_(recent_capacity), days_kept_(std::max(1, days_kept)) {}

uint32_t analytics_book::pair_of(const std::string& campaign, const std::string& source) {
  auto key = std::make_pair(campaign, source);
  auto i = pair_index_.find(key);
  if (i != pair_index_.end()) return i->second;
  auto index = static_cast<uint32_t>(pairs_.size());
  pairs_.push_back(key);
  pair_index_.emplace(std::move(key), index);
  return index;
}

void analytics_book::progress(const call_card& card) {
  if (card.state == call_state::done || booked_ids_.count(card.id)) return;
  board_[card.id] = card;
}

void analytics_book::add_figures(std::map<timestamp_us, pair_figures>& buckets, timestamp_us key, uint32_t pair,
                                 const booked_call& call) {
  auto& row = buckets[key];
  if (row.size() <= pair) row.resize(pairs_.size());
  add_call(row[pair], call);
}

bool analytics_book::booked(const booked_call& call) {
  board_.erase(call.id);
  if (!booked_ids_.insert(call.id).second) return false;
  booked_order_.push_back(call.id);
  if (booked_order_.size() > booked_ids_kept) {
    booked_ids_.erase(booked_order_.front());
    booked_order_.pop_front();
  }
  if (call.started_at < since_) return true; // the lead store has it; memory does not cover that time
  auto pair = pair_of(call.campaign_id, call.source_id);
  add_figures(minutes_, minute_start(call.started_at), pair, call);
  add_figures(days_, utc_day_start(call.started_at), pair, call);
  auto& counts = minute_counts_[minute_start(call.started_at)];
  if (counts.size() <= pair) counts.resize(pairs_.size());
  ++counts[pair][0];
  if (is_answered(call)) ++counts[pair][1];
  recent_.push_back(call);
  if (recent_.size() > recent_capacity_) recent_.pop_front();
  return true;
}

void analytics_book::roll(timestamp_us now) {
  auto keep_from = utc_day_start(now) - (days_kept_ - 1) * us_per_day_analytics;
  if (keep_from <= since_) return;
  since_ = keep_from;
  minutes_.erase(minutes_.begin(), minutes_.lower_bound(since_));
  days_.erase(days_.begin(), days_.lower_bound(since_));
  minute_counts_.erase(minute_counts_.begin(), minute_counts_.lower_bound(since_));
  while (!recent_.empty() && recent_.front().started_at < since_) recent_.pop_front();
}

std::vector<bool> analytics_book::matching_pairs(const metrics_filter& filter) const {
  std::vector<bool> out(pairs_.size());
  for (size_t i = 0; i < pairs_.size(); ++i) out[i] = filter.matches(pairs_[i].first, pairs_[i].second);
  return out;
}

void analytics_book::sum_range(const std::map<timestamp_us, pair_figures>& buckets, timestamp_us from,
                               timestamp_us until, const std::vector<bool>& pairs, metrics_figures& out) const {
  for (auto i = buckets.lower_bound(from); i != buckets.end() && i->first < until; ++i)
    for (size_t p = 0; p < i->second.size(); ++p)
      if (pairs[p]) merge(out, i->second[p]);
}

metrics_report analytics_book::report(const metrics_query& query, timestamp_us now) const {
  metrics_report out;
  out.query = query;
  out.generated_at = now;
  metrics_filter filter{query.campaign_id, query.source_id};
  out.active = active(filter);
  auto pairs = matching_pairs(filter);
  // Whole minutes: the range's ends are rounded down to the minute.
  auto from = std::max(minute_start(query.from), since_);
  auto until = minute_start(query.until);
  // Whole days from the day totals, the ragged ends from the minutes.
  for (auto day = utc_day_start(from); day < until; day += us_per_day_analytics) {
    auto a = std::max(from, day);
    auto b = std::min(until, day + us_per_day_analytics);
    if (a >= b) continue;
    if (a == day && b == day + us_per_day_analytics)
      sum_range(days_, day, b, pairs, out.figures);
    else
      sum_range(minutes_, a, b, pairs, out.figures);
  }
  for (auto m : series_minutes(query, now)) {
    minute_count slot{m, 0, 0};
    if (m >= from && m < until)
      if (auto i = minute_counts_.find(m); i != minute_counts_.end())
        for (size_t p = 0; p < i->second.size(); ++p)
          if (pairs[p]) {
            slot.total += i->second[p][0];
            slot.answered += i->second[p][1];
          }
    out.per_minute.push_back(slot);
  }
  for (auto i = recent_.rbegin(); i != recent_.rend() && out.recent.size() < 25; ++i)
    if (i->started_at >= from && i->started_at < until && filter.matches(i->campaign_id, i->source_id))
      out.recent.push_back(*i);
  return out;
}

std::vector<call_card> analytics_book::live(const metrics_filter& filter) const {
  std::vector<call_card> out;
  for (const auto& [id, card] : board_)
    if (filter.matches(card.campaign_id, card.source_id)) out.push_back(card);
  std::sort(out.begin(), out.end(), started_earlier);
  return out;
}

std::vector<uint64_t> analytics_book::active(const metrics_filter& filter) const {
  std::vector<uint64_t> out(call_state_count, 0);
  for (const auto& [id, card] : board_)
    if (filter.matches(card.campaign_id, card.source_id)) ++out[static_cast<size_t>(card.state)];
  return out;
}

booked_call booked_from(const lead_record& lead) {
  booked_call out;
  out.id = lead.id;
  out.campaign_id = lead.campaign_id;
  out.source_id = lead.source_id;
  out.buyer_id = lead.buyer_id;
  out.outcome = lead.outcome;
  out.started_at = lead.started_at;
  out.ended_at = lead.ended_at;
  out.talk_ms = lead.talk_ms;
  out.bid_micros = lead.bid_micros;
  out.revenue_micros = lead.revenue_micros;
  out.payout_micros = lead.payout_micros;
  out.auction_latency_us = lead.auction_latency_us;
  for (const auto& round : lead.auctions)
    if (!round.winner.empty()) out.round_winners.push_back(round.winner);
  return out;
}

call_card final_card(const booked_call& call) {
  call_card card;
  card.id = call.id;
  card.campaign_id = call.campaign_id;
  card.source_id = call.source_id;
  card.state = call_state::done;
  card.started_at = call.started_at;
  card.since = call.ended_at;
  card.buyer_id = call.buyer_id;
  card.bid_micros = call.bid_micros;
  card.outcome = call.outcome;
  return card;
}

} // namespace ringbid
