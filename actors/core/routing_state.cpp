#include "actors/core/routing_state.hpp"

namespace ringbid {

routing_turns::routing_turns(const engine_config& config) {
  for (const auto& campaign : config.campaigns) turns_[campaign.id];
}

uint64_t routing_turns::take(const std::string& campaign_id) {
  auto i = turns_.find(campaign_id);
  return i == turns_.end() ? 0 : i->second.fetch_add(1, std::memory_order_relaxed);
}

double conversion_stats::rate(const std::string& campaign_id, const std::string& buyer_id) const {
  std::lock_guard guard{mutex_};
  auto i = tallies_.find({campaign_id, buyer_id});
  if (i == tallies_.end() || i->second.bridged == 0) return -1;
  return double(i->second.converted) / double(i->second.bridged);
}

void conversion_stats::record(const std::string& campaign_id, const std::string& buyer_id, bool converted) {
  add(campaign_id, buyer_id, tally{1, converted ? 1u : 0u});
}

void conversion_stats::add(const std::string& campaign_id, const std::string& buyer_id, tally t) {
  std::lock_guard guard{mutex_};
  auto& mine = tallies_[{campaign_id, buyer_id}];
  mine.bridged += t.bridged;
  mine.converted += t.converted;
}

} // namespace ringbid
