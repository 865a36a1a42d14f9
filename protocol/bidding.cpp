#include "protocol/bidding.hpp"

#include "protocol/auction.hpp"

#include <array>

namespace ringbid {

std::string_view to_string(bid_kind k) noexcept {
  switch (k) {
    case bid_kind::bid: return "bid";
    case bid_kind::no_bid: return "no_bid";
    case bid_kind::error: return "error";
  }
  return "?";
}

namespace {

constexpr std::array<std::string_view, bidder_verdict_count> verdict_names{
  "skipped", "capped", "no_answer", "no_bid", "error", "rejected", "won", "ranked"};

} // namespace

std::string_view to_string(bidder_verdict v) noexcept {
  auto i = static_cast<size_t>(v);
  return i < verdict_names.size() ? verdict_names[i] : std::string_view{"?"};
}

bool from_string(std::string_view text, bidder_verdict& out) noexcept {
  for (size_t i = 0; i < verdict_names.size(); ++i) {
    if (verdict_names[i] == text) {
      out = static_cast<bidder_verdict>(i);
      return true;
    }
  }
  return false;
}

} // namespace ringbid
