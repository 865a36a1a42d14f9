#pragma once
// The analytics book, pure: the live board (one card per live call) and the
// figures of booked calls kept per minute and per day for each campaign and
// source pair, so that an event costs a few bounded lookups and a report over
// a day sums one entry per pair. No clocks, no I/O: time comes in as arguments.
//
// What memory holds: calls started from memory_since() on. Older calls are in
// the lead store; the analytics actor asks the history port for them.

#include "protocol/analytics.hpp"
#include "protocol/lead.hpp"

#include <array>
#include <cstddef>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace ringbid {

constexpr int64_t us_per_minute = 60 * 1'000'000LL;
constexpr int64_t us_per_day_analytics = 24 * 60 * us_per_minute;

timestamp_us minute_start(timestamp_us t);
timestamp_us utc_day_start(timestamp_us t);

/// Which calls a report or a stream is about. "" = any.
struct metrics_filter {
  std::string campaign_id;
  std::string source_id;

  bool matches(const std::string& campaign, const std::string& source) const {
    return (campaign_id.empty() || campaign_id == campaign) && (source_id.empty() || source_id == source);
  }
  friend bool operator==(const metrics_filter&, const metrics_filter&) = default;
  friend auto operator<=>(const metrics_filter&, const metrics_filter&) = default;
};

/// The live board's order: by start, then id.
bool started_earlier(const call_card& a, const call_card& b);

/// Adds one booked call to `into`.
void add_call(metrics_figures& into, const booked_call& call);
/// Adds every part of `from` to `into`.
void merge(metrics_figures& into, const metrics_figures& from);

struct latency_summary {
  uint64_t count = 0;
  int32_t p50 = 0, p90 = 0, p99 = 0, max = 0; ///< nearest rank, ms
};

/// Nearest-rank percentiles of a latency histogram; nullopt when it is empty.
std::optional<latency_summary> summarize_latency(const std::map<int32_t, uint64_t>& latency_ms);

/// The minutes the calls-per-minute series covers for `query` at `now`: the
/// last `minutes` whole minutes of [from, until) that have begun, oldest first
/// (fewer when the range is shorter; none when it lies in the future).
std::vector<timestamp_us> series_minutes(const metrics_query& query, timestamp_us now, int minutes = 60);

/// Collects the figures, series and latest calls of booked calls given one by
/// one in any order (the history path, and tests).
class report_builder {
public:
  report_builder(const metrics_query& query, timestamp_us now, size_t recent_limit = 25);
  /// Counts `call` when it matches the query's filter and range.
  void add(const booked_call& call);
  /// The report, `active` left empty.
  metrics_report finish() &&;

private:
  metrics_filter filter_;
  metrics_report report_;
  std::vector<timestamp_us> minutes_;
  size_t recent_limit_;
};

/// Adds `part` (the history of the same query) into `into`: figures, series
/// minute by minute, the latest calls merged newest first.
void merge_reports(metrics_report& into, const metrics_report& part, size_t recent_limit = 25);

class analytics_book {
public:
  /// Memory starts with the UTC day of `now`; calls started earlier are left to the history.
  explicit analytics_book(timestamp_us now, size_t recent_capacity = 2000, int days_kept = 2);

  timestamp_us memory_since() const { return since_; }

  /// A call's latest card; a booked call's late card is ignored.
  void progress(const call_card& card);
  /// A call's lead: off the board, into the figures (when it started since
  /// memory_since()). Returns false for a call booked already (recently).
  bool booked(const booked_call& call);
  /// Forgets days beyond those kept (their calls are in the lead store).
  void roll(timestamp_us now);

  /// The memory part of `query`: calls started in [max(from, memory_since), until).
  /// `active` counts the live board with the query's filter.
  metrics_report report(const metrics_query& query, timestamp_us now) const;
  /// The live calls matching `filter`, in the order they started.
  std::vector<call_card> live(const metrics_filter& filter) const;
  /// Live calls matching `filter` by state.
  std::vector<uint64_t> active(const metrics_filter& filter) const;
  size_t live_count() const { return board_.size(); }

private:
  using pair_figures = std::vector<metrics_figures>; ///< by pair index
  uint32_t pair_of(const std::string& campaign, const std::string& source);
  void add_figures(std::map<timestamp_us, pair_figures>& buckets, timestamp_us key, uint32_t pair,
                   const booked_call& call);
  void sum_range(const std::map<timestamp_us, pair_figures>& buckets, timestamp_us from, timestamp_us until,
                 const std::vector<bool>& pairs, metrics_figures& out) const;
  std::vector<bool> matching_pairs(const metrics_filter& filter) const;

  timestamp_us since_ = 0;
  size_t recent_capacity_;
  int days_kept_;
  std::unordered_map<call_id, call_card, uuid_hash> board_;
  /// The latest booked ids, so a card or a lead arriving late is not counted again.
  std::unordered_set<call_id, uuid_hash> booked_ids_;
  std::deque<call_id> booked_order_;
  std::vector<std::pair<std::string, std::string>> pairs_;
  std::map<std::pair<std::string, std::string>, uint32_t> pair_index_;
  std::map<timestamp_us, pair_figures> minutes_;
  std::map<timestamp_us, pair_figures> days_;
  std::map<timestamp_us, std::vector<std::array<uint64_t, 2>>> minute_counts_; ///< per pair: total, answered
  std::deque<booked_call> recent_;
};

/// The figures a lead counts for.
booked_call booked_from(const lead_record& lead);
/// The board card of a lead's call once it is over.
call_card final_card(const booked_call& call);

} // namespace ringbid
