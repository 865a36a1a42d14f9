#pragma once
// Caps have no id in the configuration; the API names each by a key derived
// from what makes it that cap (documented in schemas/openapi.json, CapKey):
//
//   OWNER:OWNER_ID:MEASURE:WINDOW:COUNTS_ON
//
//   OWNER_ID   the owner's id; a campaign_buyer cap's is CAMPAIGN~BUYER
//   WINDOW     hour, day, week, month, lifetime, rollingNm (N minutes), or "-"
//              for concurrency and spacing, which have none
//   COUNTS_ON  routed, bridged or converted, with the defaults applied
//              (bridged; spacing: routed), or "-" for concurrency
//
// e.g. "buyer:shieldline-auto:calls:hour:routed",
// "campaign_buyer:plumbing-ca-tx~metro-call-exchange:calls:day:bridged".
// Ids hold only letters, digits, '.', '_' and '-', so a key needs no escaping
// in a URL path. The ledger's report (caps_report) names a cap by the same
// parts, so its usage is found by the same key.

#include "actors/core/config.hpp"
#include "protocol/ledger.hpp"

#include <string>

namespace ringbid {

/// The key of a cap of the configuration (parsed, defaults applied).
std::string cap_key(const cap_config& cap);
/// The key of a cap as the ledger reports it.
std::string cap_key(const cap_standing& standing);

} // namespace ringbid
