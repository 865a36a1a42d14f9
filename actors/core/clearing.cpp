#include "actors/core/clearing.hpp"

#include "protocol/money.hpp"

#include <algorithm>

namespace ringbid {

int64_t clearing_price(int64_t bid, bool fixed, std::optional<int64_t> next_bid, const routing_rules& rules) {
  if (fixed || rules.clearing == clearing_rule::first_price || rules.strategy != routing_strategy::auction) return bid;
  auto base = std::max(next_bid.value_or(0), rules.floor_micros);
  return std::min(bid, base + rules.increment_micros);
}

cleared_offers clear_offers(std::vector<clearing_candidate> ranked, const routing_rules& rules) {
  cleared_offers out;
  std::vector<bool> refused(ranked.size(), false);
  std::optional<int64_t> next_bid; // of the next offer kept below
  for (size_t i = ranked.size(); i-- > 0;) {
    auto& c = ranked[i];
    c.o.amount_micros = clearing_price(c.o.bid_micros, c.fixed, next_bid, rules);
    if (c.headroom_micros >= 0 && c.o.amount_micros > c.headroom_micros) {
      refused[i] = true;
      continue; // it sets no price: the offer above is priced against the next one kept
    }
    next_bid = c.o.bid_micros;
  }
  for (size_t i = 0; i < ranked.size(); ++i) {
    auto& c = ranked[i];
    if (!refused[i]) {
      out.kept.push_back(std::move(c));
      continue;
    }
    out.refused.push_back(refused_offer{c.o.buyer_id, c.o.token,
                                        "over budget: " + format_money(c.o.amount_micros) + " > " +
                                          format_money(c.headroom_micros) + " left"});
  }
  return out;
}

} // namespace ringbid
