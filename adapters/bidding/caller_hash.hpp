#pragma once
// The caller hash in pings: keyed BLAKE2b-256 (libsodium), with a key per
// buyer derived from the node's secret and the buyer's id.

#include "actors/ports/ports.hpp"

#include <memory>
#include <string>
#include <vector>

namespace ringbid {

/// `secret` keys every buyer's key; buyers named in `buyer_ids` get theirs
/// derived once, others on each use.
std::shared_ptr<const caller_hasher> make_caller_hasher(const std::string& secret,
                                                        const std::vector<std::string>& buyer_ids);

} // namespace ringbid
