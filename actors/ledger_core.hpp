#pragma once
// The first cap ledger's counting rules, pure: per-buyer daily caps (UTC days)
// and concurrency caps. Reservations count against both caps until committed
// (the call counted) or released, so concurrent calls can never overshoot:
// committed + reserved <= cap at every instant.

#include "protocol/ledger.hpp"
#include "protocol/time.hpp"

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace ringbid {

struct buyer_caps {
  int32_t daily = 0;       ///< 0 = none
  int32_t concurrency = 0; ///< 0 = none
};

class ledger_core {
public:
  void set_caps(const std::string& buyer_id, buyer_caps caps);

  /// Reserves one call for each buyer that has headroom; `holder` identifies the
  /// call actor, whose death releases its reservations.
  reserve_reply reserve(const reserve_request& request, uint64_t holder, timestamp_us now);
  /// Counts the call against the daily cap; keeps its concurrency slot.
  bool commit(uint64_t token);
  /// Ends the reservation: an uncommitted one is given back entirely, a
  /// committed one frees its concurrency slot only.
  bool release(uint64_t token);
  /// Releases everything `holder` holds; returns how many reservations ended.
  size_t release_holder(uint64_t holder);

  /// Holders that still hold reservations (to re-monitor after a restart).
  std::vector<uint64_t> holders() const;
  uint64_t open_reservations() const { return reservations_.size(); }
  uint64_t committed_total() const { return committed_total_; }
  uint64_t denied_total() const { return denied_total_; }
  /// Calls counted (committed) for the buyer on the UTC day of `now`.
  int64_t committed_today(const std::string& buyer_id, timestamp_us now) const;
  int64_t live(const std::string& buyer_id) const;

private:
  struct reservation {
    std::string buyer_id;
    uint64_t holder = 0;
    int64_t day = 0;
    bool committed = false;
  };
  struct counters {
    buyer_caps caps;
    int64_t day = -1;        ///< the UTC day the daily figures are for
    int64_t committed = 0;   ///< counted today
    int64_t pending = 0;     ///< reserved today, not yet counted
    int64_t live = 0;        ///< reservations open (pending or committed)
  };

  counters& at(const std::string& buyer_id, int64_t day);
  void end(uint64_t token, reservation& r);

  std::unordered_map<std::string, counters> buyers_;
  std::unordered_map<uint64_t, reservation> reservations_;
  std::unordered_map<uint64_t, std::vector<uint64_t>> by_holder_;
  uint64_t next_token_ = 1;
  uint64_t committed_total_ = 0;
  uint64_t denied_total_ = 0;
};

int64_t utc_day(timestamp_us t) noexcept;

} // namespace ringbid
