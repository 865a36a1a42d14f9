#include "actors/peer_update.hpp"

namespace ringbid {

bool update_peer(peer_set& peers, const peer_handle& live) {
  switch (live.kind) {
    case peer_kind::directory: peers.directory = live.handle; return true;
    case peer_kind::ledger: peers.ledger = live.handle; return true;
    case peer_kind::recorder: peers.recorder = live.handle; return true;
    case peer_kind::carrier: peers.carrier = live.handle; return true;
    case peer_kind::analytics: peers.analytics = live.handle; return true;
    case peer_kind::bidder:
      if (live.key.empty()) return false; // the bidders' supervisor itself
      peers.bidders[live.key] = live.handle;
      return true;
    case peer_kind::calls: peers.calls = live.handle; return true;
    case peer_kind::tool: return false;
  }
  return false;
}

} // namespace ringbid
