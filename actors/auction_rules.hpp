#pragma once
// Pure auction decision: which collected bids are valid, and in what order the
// call tries them.
//
// Ranking rule (documented, deterministic): highest amount first; on equal
// amounts the bid that arrived first wins; on equal arrival the lower buyer id
// (byte order) wins. The winner pays its own bid (first price).

#include "protocol/bidding.hpp"
#include "protocol/call_snapshot.hpp"
#include "protocol/time.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace ringbid {

/// A bid answer collected before the round's deadline, with its reservation.
struct collected_bid {
  bid_response response;
  uint64_t token = 0;
  timestamp_us received_at = 0;
  int64_t buyer_min_bid_micros = 0;
  std::string buyer_destination; ///< used when the bid names none
};

struct rejected_bid {
  std::string buyer_id;
  std::string reason;
  uint64_t token = 0;
};

struct ranking {
  std::vector<offer> offers;          ///< valid, best first
  std::vector<rejected_bid> rejected; ///< everything else, with the reason
};

/// Ranks the bids of one round; `now` is when the round closed.
ranking rank_bids(std::vector<collected_bid> bids, int64_t floor_micros, timestamp_us now);

} // namespace ringbid
