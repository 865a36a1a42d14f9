#pragma once
// A campaign and its buyers, resolved once per node so that a call's auction
// does no config searches or regex compiles per round or per bid.

#include "actors/core/config.hpp"
#include "actors/core/eligibility.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace ringbid {

struct campaign_roster {
  const campaign_config* campaign = nullptr;
  std::vector<const buyer_config*> buyers;  ///< all of them, active or not, in the campaign's order
  std::vector<const buyer_filter*> filters; ///< each buyer's compiled hours and targeting

  const buyer_config* find(const std::string& buyer_id) const;
  /// The buyer's index in the campaign's list; buyers.size() when absent.
  size_t position(const std::string& buyer_id) const;
};

} // namespace ringbid
