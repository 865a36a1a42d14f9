#pragma once
// Read side of the SQLite lead store, for the CLI and tests: its own read-only
// connection; every call reads one consistent snapshot.

#include "protocol/lead.hpp"

#include <cstdint>
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
  uint64_t leads = 0, bridged = 0, no_buyer = 0, buyer_no_answer = 0, abandoned = 0, unknown_number = 0,
           failed = 0, interrupted = 0, in_progress = 0;
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

private:
  struct impl;
  explicit sqlite_lead_reader(std::unique_ptr<impl> state);
  std::unique_ptr<impl> impl_;
};

} // namespace ringbid
