#pragma once
// Traffic shifting between two campaigns (the gradual migration of a number's
// or a source's calls to a new campaign): a share of callers goes to the
// split's campaign. Sticky per caller: the caller's number (and the dialed
// one) decide the side, so a caller who calls again reaches the same campaign
// for as long as the share stays the same, and raising the share only moves
// callers one way.

#include "actors/core/config.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace ringbid {

/// The caller's bucket in [0, 100): a stable hash of caller and DID.
int32_t split_bucket(std::string_view caller, std::string_view did);

/// The campaign a call goes to: `campaign_id` unless the DID's split (first)
/// or the source's split takes this caller's bucket.
std::string split_campaign(const std::string& campaign_id, const traffic_split& did_split,
                           const traffic_split& source_split, std::string_view caller, std::string_view did);

} // namespace ringbid
