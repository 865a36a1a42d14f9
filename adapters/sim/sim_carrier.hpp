#pragma once
// The simulated carrier's world: places inbound calls at a Poisson rate,
// answers commands with the normalized events a real carrier would send, after
// realistic delays (speech length, ring time, talk time, caller patience),
// and keeps its own record of every call to compare with the leads. Asked
// (sim_call_query, sim_live_calls_query), it tells what it knows of a call and
// which calls are up, as a carrier's call-status API would.
//
// It is the carrier itself, not the node's carrier actor: in a node it lives
// behind sim_carrier_port, which owns it, so killing the carrier actor loses
// no call, delay or record; `ringbid carrier-sim` puts it behind a Telnyx wire.

#include "actors/core/config.hpp"
#include "actors/ports/ports.hpp"
#include "protocol/carrier.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

namespace ringbid {

struct sim_call_record {
  std::string caller;
  std::string did;
  bool answered = false;
  bool bridged = false;
  std::string bridged_to;
  int64_t talk_ms = 0;
  bool ended = false;
  uint32_t commands = 0;
  uint32_t answers = 0; ///< answer commands carried out (a repeated command_id is not)
  timestamp_us placed_at = 0;
  timestamp_us bridged_at = 0;
  timestamp_us ended_at = 0; ///< the caller leg's end (0 while alive)
  std::string ended_by;      ///< "caller", "callee" (the engine's hangup or the buyer)
};

/// What the carrier saw. Written by the world's actor; read once the run is over.
struct sim_carrier_report {
  std::map<std::string, sim_call_record> calls;
  uint64_t placed = 0;
  uint64_t ended = 0;
  uint64_t commands = 0;
  uint64_t duplicate_commands = 0; ///< a command_id seen again for its call within 60 s: ignored
  uint64_t commands_for_ended_calls = 0;
  uint64_t injected_failures = 0;
};

struct sim_carrier_options {
  uint64_t calls = 1000;        ///< how many calls to place; 0 = until stopped
  double calls_per_second = 50; ///< 0 = no calls at all
  uint64_t seed = 1;
  carrier_simulation behavior;
  std::shared_ptr<const engine_config> config;
  std::shared_ptr<sim_carrier_report> report;
  /// Every delay within a call is divided by this: 10 plays a call ten times
  /// faster (load tests over real HTTP in real time). The call rate stays per
  /// real second. The record's talk times are what actually elapsed.
  double time_scale = 1.0;
  std::string call_id_prefix = "sim-"; ///< call N is named prefix + N
  /// When not empty, replaces `calls` and the rate: call i is placed
  /// `at_s` seconds after the start (ascending), to `did` (any DID when empty).
  struct scheduled_call {
    double at_s = 0;
    std::string did;
  };
  std::vector<scheduled_call> schedule;
  /// Where the events go (in a node: the port's inbox). Empty: to the actor
  /// named by the first peer_restarted for the calls peer, and no call is
  /// placed before that (carrier-sim's wire emitter).
  std::function<void(carrier_event)> out;
  /// Counted down once a command (carrier_command) is carried out; the port
  /// counts it up when it sends one. May be null.
  std::shared_ptr<std::atomic<int64_t>> commands_in_flight;
};

/// How long the world remembers an ended call for status questions (Telnyx:
/// "data is available 10 minutes after call ended"), in its own clock's time.
constexpr timestamp_us sim_status_kept_us = 10 * 60 * us_per_s;
/// How long a command_id counts for its call (Telnyx ignores a repeat within 60 s).
constexpr timestamp_us sim_command_id_window_us = 60 * us_per_s;

/// Spawns the world's actor; `clock` dates its events and its record.
caf::actor spawn_sim_carrier(caf::actor_system& sys, sim_carrier_options options,
                             std::shared_ptr<const wall_clock> clock);

} // namespace ringbid
