#include "protocol/node.hpp"

namespace ringbid {

std::string_view to_string(peer_kind k) noexcept {
  switch (k) {
    case peer_kind::directory: return "directory";
    case peer_kind::ledger: return "ledger";
    case peer_kind::recorder: return "recorder";
    case peer_kind::bidder: return "bidder";
    case peer_kind::calls: return "calls";
    case peer_kind::carrier: return "carrier";
    case peer_kind::tool: return "tool";
    case peer_kind::analytics: return "analytics";
  }
  return "?";
}

} // namespace ringbid
