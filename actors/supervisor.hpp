#pragma once
// An Erlang-style one_for_one supervisor. Children are restarted when they exit
// abnormally; more than `max_restarts` restarts within `window` and the
// supervisor kills its children and exits itself, escalating to its parent.
//
// Restarted children have new addresses. The supervisor announces every child
// start with `peer_restarted` to its parent and to the children that asked for
// peer updates (listeners), and answers `peer_lookup` for the live instance.

#include "protocol/node.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>
#include <caf/timespan.hpp>

#include <functional>
#include <string>
#include <vector>

namespace ringbid {

struct child_spec {
  peer_kind kind = peer_kind::directory;
  std::string key;
  std::function<caf::actor(caf::local_actor*)> start;
  bool listener = false;   ///< receives peer_restarted for every other peer
  bool supervisor = false; ///< a nested supervisor: lookups of its kind are delegated to it
};

struct supervisor_options {
  std::string name = "supervisor";
  int max_restarts = 10;
  caf::timespan window = std::chrono::seconds{1};
  /// Set: the supervisor answers `grow_children` by starting the children
  /// this returns, given the keys of those it runs (it is asked on the
  /// supervisor's thread; a child it names twice is started once).
  std::function<std::vector<child_spec>(const std::vector<std::string>& running)> grow;
};

/// Spawns a supervisor as a monitored child of `parent`.
caf::actor spawn_supervisor(caf::local_actor* parent, std::vector<child_spec> children, supervisor_options options);
/// Spawns the root supervisor of a node.
caf::actor spawn_root_supervisor(caf::actor_system& sys, std::vector<child_spec> children, supervisor_options options);

} // namespace ringbid
