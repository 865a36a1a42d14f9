#include "actors/core/traffic_split.hpp"

namespace ringbid {

int32_t split_bucket(std::string_view caller, std::string_view did) {
  // FNV-1a, 64 bits: stable across builds and machines (std::hash is not).
  uint64_t h = 14695981039346656037ull;
  auto mix = [&](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ull;
    }
  };
  mix(caller);
  mix("|");
  mix(did);
  return static_cast<int32_t>(h % 100);
}

std::string split_campaign(const std::string& campaign_id, const traffic_split& did_split,
                           const traffic_split& source_split, std::string_view caller, std::string_view did) {
  auto bucket = split_bucket(caller, did);
  for (const auto* split : {&did_split, &source_split})
    if (!split->campaign_id.empty() && split->campaign_id != campaign_id)
      return bucket < split->percent ? split->campaign_id : campaign_id;
  return campaign_id;
}

} // namespace ringbid
