#pragma once
// Wall-clock time derived from the actor system's clock: real time in a node,
// virtual time under CAF's deterministic test coordinator (simulation, tests).

#include "actors/ports/ports.hpp"

#include <caf/fwd.hpp>

#include <memory>

namespace ringbid {

/// now() = epoch + (actor clock now - actor clock at construction).
std::shared_ptr<wall_clock> make_actor_wall_clock(caf::actor_system& sys, timestamp_us epoch);

/// The current real time, for `epoch` in a live node.
timestamp_us system_now();

} // namespace ringbid
