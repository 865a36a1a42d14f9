#pragma once
// The analytics actor's own messages: its tick, and the history port's answer
// coming back to it. They never leave the actor, so they live here and not in
// protocol/ (registered by add_actor_types, actors/actor_types.hpp).

#include "protocol/analytics.hpp"

#include <caf/meta/type_name.hpp>

#include <cstdint>

namespace ringbid {

/// Analytics -> itself: time to roll the day and publish snapshots.
struct analytics_tick {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, analytics_tick&) {
  return f(caf::meta::type_name("analytics_tick"));
}

/// The history port -> analytics: the history part of query `request`.
struct history_loaded {
  uint64_t request = 0;
  metrics_report report;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, history_loaded& x) {
  return f(caf::meta::type_name("history_loaded"), x.request, x.report);
}

} // namespace ringbid
