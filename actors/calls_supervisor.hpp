#pragma once
// The calls supervisor: creates a call actor per inbound call, routes carrier
// events to it, keeps its latest checkpoint, and when it crashes restarts it
// from that checkpoint, or after too many crashes books it as interrupted.
// Its table lives in a registry the node owns, so the supervisor itself can be
// restarted without losing a call.

#include "actors/node_context.hpp"
#include "protocol/call_snapshot.hpp"
#include "protocol/carrier.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace ringbid {

struct call_registry {
  struct entry {
    caf::actor actor;
    call_snapshot snapshot;
    /// Carrier events forwarded since the last checkpoint: replayed to a
    /// restarted actor, so an event the crashed one never handled is not lost.
    std::vector<carrier_event> since_checkpoint;
    uint64_t events_forwarded = 0;
    uint32_t restarts = 0;
    bool interrupting = false;                    ///< finalizing as interrupted
    call_state counted_in = call_state::greeting; ///< its place in node_counters::live_by_state
    /// The config generation the call started with: its restarts keep it,
    /// whatever a reload installed since. Null: the node's current one.
    std::shared_ptr<const config_generation> config;
  };
  std::unordered_map<std::string, entry> by_carrier_id;
  std::unordered_map<uint64_t, std::string> carrier_id_by_actor;
  uint64_t started = 0;
  uint64_t finished = 0;
  uint64_t restarted = 0;
  uint64_t interrupted = 0;
  uint64_t adopted = 0;      ///< taken over from a process that is gone
  uint64_t handed_over = 0;  ///< left to the next process (a deploy)
  bool draining = false;     ///< ending every call (drain_calls)
  bool handing_over = false; ///< leaving every call to the next process (hand_over_calls)
};

caf::actor spawn_calls_supervisor(caf::local_actor* parent, std::shared_ptr<call_registry> registry,
                                  std::shared_ptr<const node_context> ctx);

} // namespace ringbid
