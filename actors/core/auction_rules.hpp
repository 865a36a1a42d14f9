#pragma once
// Pure routing decision: which collected answers are valid, in what order the
// call tries them, and what each buyer pays. One function serves every
// strategy, so all of them share the same transfer and fallback path.
//
// Validity (every strategy): a bid is valid unless it is a no-bid or an error,
// malformed (amount not positive, not USD), expired, below the campaign floor,
// below the buyer's minimum, or has no destination. Late answers never reach
// the ranking: the call actor stops collecting at the deadline.
//
// Order:
//  - auction: the higher bid first; on equal bids the better priority (lower
//    number), then the earlier answer, then the lower buyer id (byte order).
//  - waterfall: the better priority first; then as auction.
//  - weighted: the best priority tier first, drawn at random in proportion to
//    weight (without replacement, from a per-call seed); then the next tier.
//    Buyers of weight 0 come last in their tier, in auction order.
//  - round_robin: by position in the campaign's buyer list, starting at the
//    campaign's turn (`rotation`) and wrapping around.
//
// Price (clearing_price, actors/core/clearing): a fixed-payout buyer pays its
// fixed price. Otherwise first price is the buyer's own bid. Second price
// (auction strategy only) is the next valid bid below it in the order, or the
// floor when there is none, plus the increment, and never more than its own
// bid; each fallback offer is priced against the offer after it. These are the
// prices before budgets: a round prices its offers again with the budgets'
// refusals (clear_offers), so a refused offer prices none.

#include "actors/core/config.hpp"
#include "protocol/auction.hpp"
#include "protocol/bidding.hpp"
#include "protocol/call_snapshot.hpp"
#include "protocol/time.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace ringbid {

/// An answer collected before the round's deadline, with its reservation.
struct collected_bid {
  bid_response response;
  uint64_t token = 0;
  timestamp_us received_at = 0;
  int64_t buyer_min_bid_micros = 0;
  std::string buyer_destination; ///< used when the bid names none
  int32_t priority = 1;
  int32_t weight = 1;
  uint32_t list_position = 0; ///< the buyer's index in the campaign's buyer list
  bool fixed = false;         ///< a fixed-payout buyer's price, not a ping's answer
};

struct rejected_bid {
  std::string buyer_id;
  std::string reason;
  uint64_t token = 0;
};

/// How one campaign routes and prices a round.
struct routing_rules {
  routing_strategy strategy = routing_strategy::auction;
  clearing_rule clearing = clearing_rule::first_price;
  int64_t floor_micros = 0;
  int64_t increment_micros = 0;
  uint64_t rotation = 0;    ///< round_robin: the campaign's turn
  uint32_t roster_size = 0; ///< round_robin: buyers in the campaign's list
  uint64_t random_seed = 0; ///< weighted: drawn per call and round
};

struct ranking {
  std::vector<offer> offers;              ///< valid, in the order the call tries them
  std::vector<rejected_bid> rejected;     ///< everything else, with the reason
  std::vector<std::string> order_reasons; ///< per offer: why it is where it is
};

/// Ranks the answers of one round; `now` is when the round closed.
ranking rank_bids(std::vector<collected_bid> bids, const routing_rules& rules, timestamp_us now);

std::string_view to_string(routing_strategy s) noexcept;
std::string_view to_string(clearing_rule c) noexcept;

} // namespace ringbid
