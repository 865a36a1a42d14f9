#include "actors/core/auction_rules.hpp"

#include "actors/core/clearing.hpp"
#include "protocol/money.hpp"

#include <algorithm>
#include <numeric>

namespace ringbid {

namespace {

/// Empty when the answer may win; otherwise why it may not.
std::string invalid_reason(const collected_bid& b, int64_t floor_micros, timestamp_us now) {
  const auto& r = b.response;
  switch (r.kind) {
    case bid_kind::no_bid: return r.reason.empty() ? "no bid" : "no bid: " + r.reason;
    case bid_kind::error: return r.reason.empty() ? "error" : "error: " + r.reason;
    case bid_kind::bid: break;
  }
  if (r.amount_micros <= 0) return "malformed: amount not positive";
  if (r.currency != "USD") return "malformed: currency " + r.currency;
  if (r.expires_in_s <= 0 || b.received_at + int64_t{r.expires_in_s} * us_per_s <= now) return "expired";
  if (r.amount_micros < floor_micros)
    return "below campaign floor (" + format_money(r.amount_micros) + " < " + format_money(floor_micros) + ")";
  if (r.amount_micros < b.buyer_min_bid_micros)
    return "below buyer minimum (" + format_money(r.amount_micros) + " < " + format_money(b.buyer_min_bid_micros) + ")";
  if (r.destination.empty() && b.buyer_destination.empty()) return "no destination";
  return {};
}

/// The auction order: higher bid, better priority, earlier answer, lower id.
bool bids_before(const collected_bid* x, const collected_bid* y) {
  if (x->response.amount_micros != y->response.amount_micros)
    return x->response.amount_micros > y->response.amount_micros;
  if (x->priority != y->priority) return x->priority < y->priority;
  if (x->received_at != y->received_at) return x->received_at < y->received_at;
  return x->response.buyer_id < y->response.buyer_id;
}

/// splitmix64: a small, well-mixed generator; the draw only needs to be fair
/// and reproducible from the seed.
uint64_t next_random(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

using bid_list = std::vector<collected_bid*>;

/// Orders one priority tier by weighted draws without replacement.
void weighted_draw(bid_list& tier, uint64_t& state) {
  auto zero = std::stable_partition(tier.begin(), tier.end(), [](const collected_bid* b) { return b->weight > 0; });
  std::sort(zero, tier.end(), bids_before);
  // Sorting first makes the draw independent of the order answers arrived in.
  std::sort(tier.begin(), zero,
            [](const collected_bid* x, const collected_bid* y) { return x->response.buyer_id < y->response.buyer_id; });
  for (auto first = tier.begin(); first != zero; ++first) {
    uint64_t total = 0;
    for (auto it = first; it != zero; ++it) total += static_cast<uint64_t>((*it)->weight);
    uint64_t pick = next_random(state) % total;
    auto chosen = first;
    for (; chosen != zero; ++chosen) {
      auto w = static_cast<uint64_t>((*chosen)->weight);
      if (pick < w) break;
      pick -= w;
    }
    std::rotate(first, chosen, chosen + 1);
  }
}

void order_offers(bid_list& valid, const routing_rules& rules) {
  auto by_priority = [](const collected_bid* x, const collected_bid* y) {
    if (x->priority != y->priority) return x->priority < y->priority;
    return bids_before(x, y);
  };
  switch (rules.strategy) {
    case routing_strategy::auction: std::sort(valid.begin(), valid.end(), bids_before); return;
    case routing_strategy::waterfall: std::sort(valid.begin(), valid.end(), by_priority); return;
    case routing_strategy::round_robin: {
      auto size = std::max<uint64_t>(rules.roster_size, 1);
      auto turn = [&](const collected_bid* b) { return (b->list_position + size - rules.rotation % size) % size; };
      std::sort(valid.begin(), valid.end(), [&](const collected_bid* x, const collected_bid* y) {
        if (turn(x) != turn(y)) return turn(x) < turn(y);
        return bids_before(x, y);
      });
      return;
    }
    case routing_strategy::weighted: {
      std::sort(valid.begin(), valid.end(),
                [](const collected_bid* x, const collected_bid* y) { return x->priority < y->priority; });
      uint64_t state = rules.random_seed;
      for (auto first = valid.begin(); first != valid.end();) {
        auto last =
          std::find_if(first, valid.end(), [&](const collected_bid* b) { return b->priority != (*first)->priority; });
        bid_list tier(first, last);
        weighted_draw(tier, state);
        std::copy(tier.begin(), tier.end(), first);
        first = last;
      }
      return;
    }
  }
}

int64_t price_of(const bid_list& valid, size_t i, const routing_rules& rules) {
  std::optional<int64_t> next;
  if (i + 1 < valid.size()) next = valid[i + 1]->response.amount_micros;
  return clearing_price(valid[i]->response.amount_micros, valid[i]->fixed, next, rules);
}

std::string order_reason(const bid_list& valid, size_t i, const routing_rules& rules) {
  if (i == 0) {
    switch (rules.strategy) {
      case routing_strategy::auction: return "highest valid bid";
      case routing_strategy::waterfall: return "first by priority";
      case routing_strategy::weighted: return "drawn first by weight";
      case routing_strategy::round_robin: return "its turn in the rotation";
    }
  }
  const auto& b = *valid[i];
  const auto& ahead = *valid[i - 1];
  auto ahead_text = ahead.response.buyer_id;
  switch (rules.strategy) {
    case routing_strategy::auction:
      if (b.response.amount_micros < ahead.response.amount_micros)
        return "outbid by " + ahead_text + " (" + format_money(b.response.amount_micros) + " < " +
               format_money(ahead.response.amount_micros) + ")";
      if (b.priority != ahead.priority) return "tied with " + ahead_text + ", lower priority";
      if (b.received_at != ahead.received_at) return "tied with " + ahead_text + ", answered later";
      return "tied with " + ahead_text + ", higher buyer id";
    case routing_strategy::waterfall:
      if (b.priority != ahead.priority)
        return "priority " + std::to_string(b.priority) + " after " + std::to_string(ahead.priority);
      return "same priority as " + ahead_text + ", lower or later bid";
    case routing_strategy::weighted:
      if (b.priority != ahead.priority)
        return "priority tier " + std::to_string(b.priority) + " after " + std::to_string(ahead.priority);
      return "drawn after " + ahead_text + " (weight " + std::to_string(b.weight) + ")";
    case routing_strategy::round_robin: return "later in the rotation than " + ahead_text;
  }
  return {};
}

} // namespace

ranking rank_bids(std::vector<collected_bid> bids, const routing_rules& rules, timestamp_us now) {
  ranking out;
  bid_list valid;
  for (auto& b : bids) {
    auto reason = invalid_reason(b, rules.floor_micros, now);
    if (reason.empty())
      valid.push_back(&b);
    else
      out.rejected.push_back(rejected_bid{b.response.buyer_id, std::move(reason), b.token});
  }
  order_offers(valid, rules);
  out.offers.reserve(valid.size());
  for (size_t i = 0; i < valid.size(); ++i) {
    auto& b = *valid[i];
    auto& r = b.response;
    offer o;
    o.buyer_id = r.buyer_id;
    o.bid_micros = r.amount_micros;
    o.amount_micros = price_of(valid, i, rules);
    o.destination = r.destination.empty() ? b.buyer_destination : r.destination;
    o.expires_at = b.received_at + int64_t{r.expires_in_s} * us_per_s;
    o.token = b.token;
    out.offers.push_back(std::move(o));
    out.order_reasons.push_back(order_reason(valid, i, rules));
  }
  return out;
}

std::string_view to_string(routing_strategy s) noexcept {
  switch (s) {
    case routing_strategy::auction: return "auction";
    case routing_strategy::weighted: return "weighted";
    case routing_strategy::round_robin: return "round_robin";
    case routing_strategy::waterfall: return "waterfall";
  }
  return "?";
}

std::string_view to_string(clearing_rule c) noexcept {
  switch (c) {
    case clearing_rule::first_price: return "first_price";
    case clearing_rule::second_price: return "second_price";
  }
  return "?";
}

} // namespace ringbid
