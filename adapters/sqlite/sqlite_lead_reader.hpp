#pragma once
// Read side of the SQLite lead store, for the CLI and tests: its own read-only
// connection; every call reads one consistent snapshot.

#include "protocol/analytics.hpp"
#include "protocol/lead.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ringbid {

/// Bridged calls per buyer, and what those buyers were charged for them.
struct buyer_wins {
  std::string buyer_id;
  uint64_t wins = 0;
  int64_t revenue_micros = 0;
};

struct lead_summary {
  uint64_t leads = 0, bridged = 0, no_buyer = 0, buyer_no_answer = 0, abandoned = 0, unknown_number = 0, failed = 0,
           interrupted = 0, paused = 0, in_progress = 0;
  /// Talk: mean talk_ms over bridged calls. Hold: mean hold_ms over calls that
  /// reached hold, i.e. hold_ms > 0 or bridged (a call bridged without waiting
  /// counts as a hold of 0). Both 0 when there is no such call.
  double mean_hold_ms = 0, mean_talk_ms = 0;
  /// Revenue and payout over all leads; bids over bridged leads only.
  int64_t revenue_micros = 0, payout_micros = 0, bid_sum_bridged_micros = 0;
  /// Nearest-rank percentiles over leads with auction_latency_us >= 0; -1 if none.
  int64_t auction_latency_p50_us = -1, auction_latency_p99_us = -1;
  std::vector<buyer_wins> wins; ///< bridged leads grouped by buyer, sorted by buyer_id
};

/// Which leads `scan` and `list` return. Every condition given must hold.
struct lead_query {
  std::optional<timestamp_us> from;  ///< started_at >= from
  std::optional<timestamp_us> until; ///< started_at < until
  std::string campaign_id;           ///< exact; "" = any
  std::string source_id;             ///< exact; "" = any
  std::string buyer_id;              ///< exact; "" = any
  std::optional<disposition> outcome;
  uint64_t limit = 0; ///< most rows, newest first; 0 = no limit
};

/// One lead as the leads report shows it. Texts are as stored: outcome and
/// ended_in hold to_string() names (possibly of a newer build).
struct lead_row {
  call_id id;
  timestamp_us started_at = 0;
  std::string campaign_id, source_id, did, caller, caller_state, buyer_id;
  std::string outcome, ended_in;
  int64_t hold_ms = 0, talk_ms = 0;
  int64_t bid_micros = 0, price_micros = 0, revenue_micros = 0, payout_micros = 0;
  bool converted = false;
  std::string billing_note, tags;
  int64_t config_revision = 0; ///< the configuration revision that routed the call (0: before revisions)
};

/// Over every lead matching a query, whatever its limit.
struct lead_totals {
  uint64_t leads = 0;
  int64_t revenue_micros = 0, payout_micros = 0;
};

struct lead_listing {
  std::vector<lead_row> rows; ///< newest first, at most the query's limit
  lead_totals matching;
};

class sqlite_lead_reader {
public:
  /// Opens an existing lead store read-only. nullptr and `*error` (if not null)
  /// when the file is missing, unreadable or not a lead store.
  static std::unique_ptr<sqlite_lead_reader> open(const std::string& path, std::string* error);

  ~sqlite_lead_reader();
  sqlite_lead_reader(const sqlite_lead_reader&) = delete;
  sqlite_lead_reader& operator=(const sqlite_lead_reader&) = delete;

  // The queries below are thread-safe and throw std::runtime_error if SQLite fails.

  lead_summary summarize() const;
  uint64_t count() const;
  /// The lead with its journal in order, or nullopt if it is not stored.
  std::optional<lead_record> find(const call_id& id) const;
  /// Rows beyond the first per id: 0 unless the primary key is broken.
  uint64_t count_duplicate_ids() const;

  /// Calls `visit` for each lead matching `query`, newest first (started_at,
  /// then id, descending), at most `query.limit` of them, and returns the totals
  /// over every matching lead; all from one snapshot. The snapshot stays open
  /// while `visit` runs. A store older than migration 0004 reads caller_state,
  /// billing_note and tags as "" and converted as false.
  lead_totals scan(const lead_query& query, const std::function<void(const lead_row&)>& visit) const;
  /// scan() collected into a vector.
  lead_listing list(const lead_query& query) const;
  /// Calls `visit` with what each lead matching `query` counts for in the
  /// analytics (its figures and the winner of each round), in no set order,
  /// from one snapshot; `query.limit` is ignored. Returns how many.
  uint64_t for_each_booked(const lead_query& query, const std::function<void(const booked_call&)>& visit) const;

private:
  struct impl;
  explicit sqlite_lead_reader(std::unique_ptr<impl> state);
  std::unique_ptr<impl> impl_;
};

} // namespace ringbid
