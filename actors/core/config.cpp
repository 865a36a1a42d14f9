#include "actors/core/config.hpp"

#include <algorithm>

namespace ringbid {

namespace {

template <class T>
const T* find_by_id(const std::vector<T>& xs, const std::string& id) {
  auto i = std::find_if(xs.begin(), xs.end(), [&](const T& x) { return x.id == id; });
  return i == xs.end() ? nullptr : &*i;
}

} // namespace

const campaign_config* engine_config::find_campaign(const std::string& id) const { return find_by_id(campaigns, id); }

const source_config* engine_config::find_source(const std::string& id) const { return find_by_id(sources, id); }

const buyer_config* engine_config::find_buyer(const std::string& id) const { return find_by_id(buyers, id); }

} // namespace ringbid
