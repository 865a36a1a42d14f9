#include "actors/auction_rules.hpp"

#include <algorithm>

namespace ringbid {

namespace {

/// Empty when the bid may win; otherwise why it may not.
std::string invalid_reason(const collected_bid& b, int64_t floor_micros, timestamp_us now) {
  const auto& r = b.response;
  switch (r.kind) {
    case bid_kind::no_bid: return r.reason.empty() ? "no bid" : "no bid: " + r.reason;
    case bid_kind::error: return r.reason.empty() ? "error" : "error: " + r.reason;
    case bid_kind::bid: break;
  }
  if (r.amount_micros <= 0) return "malformed: amount not positive";
  if (r.currency != "USD") return "malformed: currency " + r.currency;
  if (r.expires_in_s <= 0 || b.received_at + int64_t{r.expires_in_s} * us_per_s <= now)
    return "expired";
  if (r.amount_micros < floor_micros) return "below campaign floor";
  if (r.amount_micros < b.buyer_min_bid_micros) return "below buyer minimum";
  if (r.destination.empty() && b.buyer_destination.empty()) return "no destination";
  return {};
}

} // namespace

ranking rank_bids(std::vector<collected_bid> bids, int64_t floor_micros, timestamp_us now) {
  ranking out;
  std::vector<collected_bid*> valid;
  for (auto& b : bids) {
    auto reason = invalid_reason(b, floor_micros, now);
    if (reason.empty()) valid.push_back(&b);
    else out.rejected.push_back(rejected_bid{b.response.buyer_id, std::move(reason), b.token});
  }
  std::sort(valid.begin(), valid.end(), [](const collected_bid* x, const collected_bid* y) {
    if (x->response.amount_micros != y->response.amount_micros)
      return x->response.amount_micros > y->response.amount_micros;
    if (x->received_at != y->received_at) return x->received_at < y->received_at;
    return x->response.buyer_id < y->response.buyer_id;
  });
  out.offers.reserve(valid.size());
  for (auto* b : valid) {
    auto& r = b->response;
    offer o;
    o.buyer_id = r.buyer_id;
    o.amount_micros = r.amount_micros;
    o.destination = r.destination.empty() ? b->buyer_destination : r.destination;
    o.expires_at = b->received_at + int64_t{r.expires_in_s} * us_per_s;
    o.token = b->token;
    out.offers.push_back(std::move(o));
  }
  return out;
}

} // namespace ringbid
