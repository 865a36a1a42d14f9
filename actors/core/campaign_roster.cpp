#include "actors/core/campaign_roster.hpp"

namespace ringbid {

const buyer_config* campaign_roster::find(const std::string& buyer_id) const {
  auto i = position(buyer_id);
  return i < buyers.size() ? buyers[i] : nullptr;
}

size_t campaign_roster::position(const std::string& buyer_id) const {
  for (size_t i = 0; i < buyers.size(); ++i)
    if (buyers[i]->id == buyer_id) return i;
  return buyers.size();
}

} // namespace ringbid
