#pragma once
// Messages of the simulated carrier, its Telnyx wire and the fault injector:
// they never leave the sim adapter (registered by add_sim_types, sim_types.hpp).

#include "protocol/carrier.hpp"

#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>

namespace ringbid {

/// What a simulated call does next, scheduled on the (virtual) clock.
enum class sim_action : uint8_t {
  place_call,    ///< the next caller dials in
  answered,      ///< our answer took effect
  speak_ended,   ///< speech finished
  caller_hangup, ///< the caller gives up or ends the talk
  buyer_answer,  ///< the buyer picks up the transfer
  buyer_reject,  ///< the transfer rings out or is busy
  buyer_hangup,  ///< the buyer ends the talk
  hangup_done,   ///< our hangup took effect
  chaos,         ///< the fault injector strikes
};

struct sim_tick {
  sim_action action = sim_action::place_call;
  std::string carrier_call_id;
  uint32_t token = 0; ///< must match the call's current token, else stale
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, sim_tick& x) {
  return f(caf::meta::type_name("sim_tick"), x.action, x.carrier_call_id, x.token);
}

// -- the carrier simulator on the wire (`ringbid carrier-sim`) ---------------------

/// A command that arrived over HTTP, for the simulated carrier to carry out.
/// Answered with `sim_command_verdict`; unlike a plain carrier_command it never
/// produces a command_failed event: the verdict becomes the HTTP response.
struct sim_command_probe {
  carrier_command command;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, sim_command_probe& x) {
  return f(caf::meta::type_name("sim_command_probe"), x.command);
}

enum class sim_command_result : uint8_t {
  executed,
  duplicate,        ///< its command_id was carried out before: ignored, answered ok
  call_ended,       ///< the leg is gone (or never existed): 422 code 90018
  injected_failure, ///< fault injection: a 5xx, and the retry is carried out
};

struct sim_command_verdict {
  sim_command_result result = sim_command_result::executed;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, sim_command_verdict& x) {
  return f(caf::meta::type_name("sim_command_verdict"), x.result);
}

/// How far the simulated carrier is; answered with `sim_carrier_status`.
struct sim_status_request {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, sim_status_request&) {
  return f(caf::meta::type_name("sim_status_request"));
}

struct sim_carrier_status {
  uint64_t placed = 0;
  uint64_t live = 0; ///< placed and not ended yet
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, sim_carrier_status& x) {
  return f(caf::meta::type_name("sim_carrier_status"), x.placed, x.live);
}

/// The webhook emitter's own timer: deliver (or redeliver) one webhook now.
struct sim_webhook_due {
  std::string event_id;
  uint32_t attempt = 1;
  bool duplicate = false; ///< a deliberate second delivery of one already sent
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, sim_webhook_due& x) {
  return f(caf::meta::type_name("sim_webhook_due"), x.event_id, x.attempt, x.duplicate);
}

/// HTTP io thread -> webhook emitter: how one delivery went.
struct sim_webhook_result {
  std::string event_id;
  uint32_t attempt = 1;
  bool duplicate = false;
  int status = 0; ///< 0: no response (timeout, refused)
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, sim_webhook_result& x) {
  return f(caf::meta::type_name("sim_webhook_result"), x.event_id, x.attempt, x.duplicate, x.status);
}

/// HTTP io thread -> webhook emitter: a command the node sent, parsed. The
/// emitter keeps the legs' client_state, hands `command` to the simulated
/// carrier and answers HTTP request `ticket` with the verdict.
struct sim_wire_command {
  uint64_t ticket = 0;
  std::string call_control_id;
  std::string action;
  bool has_command = false; ///< false for actions the engine has no kind for (gather_using_speak)
  carrier_command command;
  std::string client_state;            ///< decoded; empty when not sent
  std::string target_leg_client_state; ///< transfer
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, sim_wire_command& x) {
  return f(caf::meta::type_name("sim_wire_command"), x.ticket, x.call_control_id, x.action, x.has_command, x.command,
           x.client_state, x.target_leg_client_state);
}

} // namespace ringbid
