#pragma once
// The call actor: one per live call. It feeds carrier events, auction results
// and its own watchdogs to the pure call machine and carries out the effects.

#include "actors/node_context.hpp"
#include "protocol/call_snapshot.hpp"

#include <caf/fwd.hpp>

#include <memory>

namespace ringbid {

struct call_actor_args {
  std::shared_ptr<const node_context> ctx;
  std::shared_ptr<const peer_set> peers;
  call_snapshot snapshot;
  bool resumed = false; ///< restarted from a checkpoint after a crash
  /// The config generation the call started with; null: the node's current
  /// one (a new call). A restarted call gets its own back.
  std::shared_ptr<const config_generation> config = nullptr;
};

caf::actor spawn_call_actor(caf::local_actor* parent, call_actor_args args);

} // namespace ringbid
