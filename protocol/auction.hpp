#pragma once
// The record of one auction round, kept with the lead: who was eligible, who
// was skipped and why, every ping's latency and answer, the winner, the price
// and why every other buyer lost. `ringbid auction show CALL_ID` prints it.

#include "protocol/time.hpp"

#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ringbid {

/// What became of one buyer in one round.
enum class bidder_verdict : uint8_t {
  skipped,   ///< not eligible: inactive, closed, not targeted, a rule, circuit open
  capped,    ///< eligible, but a cap had no room (the ledger denied the reservation)
  no_answer, ///< pinged, no answer by the deadline
  no_bid,    ///< answered with a no-bid
  error,     ///< the transport failed or the answer was malformed
  rejected,  ///< a bid that may not win: late, expired, below a floor, over budget...
  won,       ///< ranked first
  ranked,    ///< valid, ranked behind the winner: the fallback order
};
constexpr int bidder_verdict_count = 8;

std::string_view to_string(bidder_verdict v) noexcept;
bool from_string(std::string_view text, bidder_verdict& out) noexcept;

struct auction_entry {
  std::string buyer_id;
  bidder_verdict verdict = bidder_verdict::skipped;
  std::string reason;        ///< why skipped, capped, rejected, or why it ranked where it did
  int64_t bid_micros = 0;    ///< the amount bid (fixed payout for fixed buyers); 0 without a bid
  int64_t price_micros = 0;  ///< what it would pay if it took the call (ranked and won only)
  int64_t latency_us = -1;   ///< ping out to answer in, as the engine saw it; -1 when not pinged
  int64_t transport_us = -1; ///< the same, as the transport measured it (the buyer's own time); -1 unknown
  int32_t rank = 0;          ///< 1 = winner, 2 = first fallback...; 0 when not valid
  bool fixed = false;        ///< a fixed-payout buyer: competed without a ping
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, auction_entry& x) {
  return f(caf::meta::type_name("auction_entry"), x.buyer_id, x.verdict, x.reason, x.bid_micros, x.price_micros,
           x.latency_us, x.transport_us, x.rank, x.fixed);
}

struct auction_record {
  uint32_t round = 0;
  std::string strategy; ///< auction, weighted, round_robin, waterfall
  std::string clearing; ///< first_price, second_price
  timestamp_us opened_at = 0;
  timestamp_us closed_at = 0;
  int32_t deadline_ms = 0;
  int64_t floor_micros = 0;
  std::string winner; ///< "" when nobody won
  int64_t winning_bid_micros = 0;
  int64_t clearing_price_micros = 0;
  std::vector<auction_entry> entries; ///< one per buyer of the campaign, in the campaign's order
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, auction_record& x) {
  return f(caf::meta::type_name("auction_record"), x.round, x.strategy, x.clearing, x.opened_at, x.closed_at,
           x.deadline_ms, x.floor_micros, x.winner, x.winning_bid_micros, x.clearing_price_micros, x.entries);
}

} // namespace ringbid
