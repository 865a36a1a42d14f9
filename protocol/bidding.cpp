#include "protocol/bidding.hpp"

namespace ringbid {

std::string_view to_string(bid_kind k) noexcept {
  switch (k) {
    case bid_kind::bid: return "bid";
    case bid_kind::no_bid: return "no_bid";
    case bid_kind::error: return "error";
  }
  return "?";
}

} // namespace ringbid
