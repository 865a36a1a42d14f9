#pragma once
// Values the auction tests (core rules, round machine, clearing) build alike.

#include "actors/core/auction_rules.hpp"
#include "protocol/bidding.hpp"

#include <cstdint>
#include <string>

namespace ringbid::test {

/// A valid bid of `amount` micros from `buyer` in `round`, good for a minute.
inline bid_response valid_bid(const std::string& buyer, int64_t amount, uint32_t round) {
  bid_response r;
  r.buyer_id = buyer;
  r.round = round;
  r.kind = bid_kind::bid;
  r.amount_micros = amount;
  r.expires_in_s = 60;
  r.destination = "+15551112222";
  return r;
}

/// Second-price clearing with a floor and an increment, in micros.
inline routing_rules second_price(int64_t floor, int64_t increment) {
  routing_rules rules;
  rules.clearing = clearing_rule::second_price;
  rules.floor_micros = floor;
  rules.increment_micros = increment;
  return rules;
}

} // namespace ringbid::test
