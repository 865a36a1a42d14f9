#pragma once
// A peer restarted under a new address: the peer set with its live handle.

#include "actors/node_context.hpp"
#include "protocol/node.hpp"

namespace ringbid {

/// `peers` with `live` in its place. Kinds a call does not talk to (tool) and
/// bidders without a key (their supervisor) leave it unchanged; returns false then.
bool update_peer(peer_set& peers, const peer_handle& live);

} // namespace ringbid
