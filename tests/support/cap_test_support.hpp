#pragma once
// Shared by the cap tests: one cap of the config, in a line.

#include "actors/core/config.hpp"

#include <string>
#include <utility>

namespace ringbid::testing {

inline cap_config make_cap(cap_owner owner, std::string id, cap_measure measure, std::string window, int64_t limit,
                           count_stage stage = count_stage::bridged) {
  cap_config c;
  c.owner = owner;
  c.owner_id = std::move(id);
  c.measure = measure;
  c.window = std::move(window);
  c.limit = limit;
  c.counts_on = stage;
  return c;
}

} // namespace ringbid::testing
