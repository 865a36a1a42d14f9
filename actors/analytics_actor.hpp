#pragma once
// The analytics actor: counts what calls tell it (call_progress, call_booked)
// into the analytics book, answers metrics_query (memory, plus the history port
// for older calls) and live_board_query, and every `tick` publishes each
// watched filter's figures for today to the live feed.
//
// Calls only send to it, never wait for it: analytics never slows a call. Its
// book is owned by the node, so a restarted actor keeps the day's figures.

#include "actors/core/analytics_core.hpp"
#include "actors/ports/ports.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>
#include <caf/timespan.hpp>

#include <memory>

namespace ringbid {

struct analytics_parts {
  std::shared_ptr<analytics_book> book;
  std::shared_ptr<const wall_clock> clock;
  std::shared_ptr<live_feed> feed;          ///< null: nothing published
  std::shared_ptr<metrics_history> history; ///< null: reports cover memory only
  /// How often snapshots are published and the day rolled; 0: never (the
  /// simulation, whose virtual clock must be able to run out of events).
  caf::timespan tick{0};
};

caf::actor spawn_analytics(caf::local_actor* parent, analytics_parts parts);

} // namespace ringbid
