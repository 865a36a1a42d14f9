#pragma once
// What an auction round knows of its call: the facts the buyers' eligibility
// tests and the pings carry. The one place they are read from the call. Pure.
//
// - vertical: the campaign's ("" without a campaign);
// - area_code: from the caller's number; caller_state: the area code's region;
// - zip: the caller's answer to the IVR key `zip` (the last one when asked
//   twice, as the `ivr.<key>` rules read it); "" when not asked;
// - ivr, tags: the call's, as they are.

#include "actors/core/config.hpp"
#include "actors/core/eligibility.hpp"
#include "protocol/call_snapshot.hpp"

#include <string_view>

namespace ringbid {

/// The IVR key whose answer is the caller's zip code.
inline constexpr std::string_view zip_ivr_key = "zip";

call_facts facts_of(const call_snapshot& call, const campaign_config* campaign);

} // namespace ringbid
