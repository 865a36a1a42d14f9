#pragma once
// The book of one auction round of one call: which buyers are eligible, what
// each answered, the ranked and priced result with the budgets' refusals, and
// the explanation that is kept with the lead. The round's phases and the
// messages they ask for are the round machine's (actors/core/round_machine).
// Pure: no CAF, no clock.

#include "actors/core/auction_rules.hpp"
#include "actors/core/circuit_breaker.hpp"
#include "actors/core/clearing.hpp"
#include "actors/core/eligibility.hpp"
#include "protocol/auction.hpp"
#include "protocol/ledger.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace ringbid {

struct campaign_roster;

/// A buyer the round pings, with the reservation held for it.
struct round_ping {
  std::string buyer_id;
  uint64_t token = 0;
};

class auction_round {
public:
  /// `roster` must outlive the round (the node owns it).
  auction_round(uint32_t id, timestamp_us opened_at, const campaign_roster& roster);

  uint32_t id() const { return id_; }
  timestamp_us opened_at() const { return record_.opened_at; }

  /// Checks every buyer of the campaign, in order: active, reachable (a
  /// bidder or a fixed payout), open, targeted, its rules, its circuit
  /// breaker (asked last: a half-open breaker lets one probe through).
  /// Returns the eligible buyers, to reserve capacity for.
  std::vector<std::string> select(const call_facts& facts, timestamp_us now, breaker_board* breakers,
                                  const std::function<bool(const std::string&)>& has_bidder);

  /// The ledger's answer. Denied buyers are capped; fixed-payout buyers bid
  /// their price at once; the rest are returned, to be pinged.
  std::vector<round_ping> reserved(const reserve_reply& reply, timestamp_us now);

  /// A ping went out at `now`.
  void pinged(const std::string& buyer_id, timestamp_us now);

  /// A buyer's answer before the deadline; false for one the round does not
  /// wait for (unknown buyer, a duplicate).
  bool answer(const bid_response& bid, timestamp_us now);

  /// True while pinged buyers have not answered.
  bool waiting() const { return pending_ > 0; }

  /// Every reservation the round holds (to give back when it is abandoned).
  std::vector<uint64_t> tokens() const;

  struct outcome {
    std::vector<offer> offers;      ///< priced, in the order the call tries them
    std::vector<amount_hold> holds; ///< budgeted offers' prices, to hold before the call is routed
    std::vector<uint64_t> releases; ///< reservations of buyers that lost
    std::string summary;            ///< "4 eligible, 3 pinged, 2 answered, 1 valid, 1 capped"
  };

  /// Closes the round at `now` (every answer in, or the deadline): pings
  /// without an answer lose, the answers are ranked by `rules`, then priced
  /// with the budgets' headroom (actors/core/clearing): an offer over its
  /// budget is refused and prices no other.
  outcome close(const routing_rules& rules, timestamp_us now);

  /// After close, when it asked for holds: the ledger held the prices of
  /// `held`. The other budgeted offers are refused, and the offers left are
  /// priced again without them (prices only fall, so every hold still covers
  /// its price).
  outcome settle(const std::vector<uint64_t>& held);

  /// The explanation, with ranks and the winner taken from the final offers.
  auction_record record(const std::vector<offer>& final_offers) const;

private:
  struct buyer_slot {
    const buyer_config* buyer = nullptr;
    auction_entry entry;
    uint64_t token = 0;
    int64_t headroom = -1;
    timestamp_us sent_at = 0;
    bool eligible = false;
    bool pending = false;
    bool answered = false;
    collected_bid bid;
  };

  buyer_slot* slot_of(const std::string& buyer_id);
  /// Prices the ranked offers and applies the budgets' refusals.
  outcome clear(std::vector<clearing_candidate> ranked);
  void refuse(const refused_offer& refusal, outcome& out);

  uint32_t id_;
  const campaign_roster& roster_;
  std::vector<buyer_slot> slots_;
  size_t pending_ = 0;
  auction_record record_;
  routing_rules rules_;                    ///< as closed
  std::vector<clearing_candidate> offers_; ///< after close: kept, in order
  std::string counts_;                     ///< the summary's counts, from close
  size_t refused_ = 0;                     ///< offers refused by a budget
};

} // namespace ringbid
