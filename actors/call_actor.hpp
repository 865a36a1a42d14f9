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
};

caf::actor spawn_call_actor(caf::local_actor* parent, call_actor_args args);

} // namespace ringbid
