#pragma once
// What each ranked offer of a round pays, decided together with the budgets
// that may refuse it. Pure.
//
// Price: a fixed-payout buyer pays its fixed price. First price, and every
// strategy but auction, pays the bid. Second price pays the bid of the next
// offer kept below it (the floor when there is none) plus the increment, never
// more than its own bid.
//
// Budgets: an offer whose buyer has a revenue budget (headroom >= 0) is refused
// when its price does not fit the headroom. Prices are set from the last offer
// up, each against the next offer that was not refused, so a refused offer
// never prices another. Refusing an offer only lowers the prices above it, so a
// second pass after more refusals (a budget the ledger would not hold) never
// refuses again and never raises a price already held.

#include "actors/core/auction_rules.hpp"
#include "protocol/call_snapshot.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ringbid {

/// One ranked offer and what may refuse it.
struct clearing_candidate {
  offer o;                      ///< its bid in o.bid_micros; its price is set by clear_offers
  bool fixed = false;           ///< a fixed-payout buyer: its bid is its fixed price
  int64_t headroom_micros = -1; ///< revenue budget left; -1 = no budget
};

struct refused_offer {
  std::string buyer_id;
  uint64_t token = 0;
  std::string reason; ///< "over budget: $12.00 > $10.00 left"
};

struct cleared_offers {
  std::vector<clearing_candidate> kept; ///< priced, in their order
  std::vector<refused_offer> refused;   ///< the refused, best first
};

/// The price of a bid; `next_bid` is the bid of the next offer kept below it.
int64_t clearing_price(int64_t bid, bool fixed, std::optional<int64_t> next_bid, const routing_rules& rules);

/// Prices `ranked` (in the order the call tries them) and refuses the offers
/// whose price does not fit their budget.
cleared_offers clear_offers(std::vector<clearing_candidate> ranked, const routing_rules& rules);

} // namespace ringbid
