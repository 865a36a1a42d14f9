#pragma once
// Messages of the simulated carrier, its Telnyx wire and the fault injector:
// they never leave the sim adapter (registered by add_sim_types, sim_types.hpp).

#include "protocol/carrier.hpp"
#include "protocol/time.hpp"

#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <vector>

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

/// What the world knows of one caller leg; answered with `sim_call_facts`.
struct sim_call_query {
  std::string carrier_call_id;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, sim_call_query& x) {
  return f(caf::meta::type_name("sim_call_query"), x.carrier_call_id);
}

enum class sim_call_state : uint8_t {
  unknown, ///< never placed, or ended more than sim_status_kept_us ago
  alive,
  ended,
};

struct sim_call_facts {
  sim_call_state state = sim_call_state::unknown;
  timestamp_us start = 0; ///< when it was placed
  timestamp_us end = 0;   ///< 0 while alive
  timestamp_us now = 0;   ///< the world's time of the answer
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, sim_call_facts& x) {
  return f(caf::meta::type_name("sim_call_facts"), x.state, x.start, x.end, x.now);
}

/// The caller legs alive now; answered with `sim_live_calls`.
struct sim_live_calls_query {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, sim_live_calls_query&) {
  return f(caf::meta::type_name("sim_live_calls_query"));
}

struct sim_live_calls {
  std::vector<std::string> ids;    ///< ascending
  std::vector<timestamp_us> start; ///< start[i]: when ids[i] was placed
  timestamp_us now = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, sim_live_calls& x) {
  return f(caf::meta::type_name("sim_live_calls"), x.ids, x.start, x.now);
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

/// HTTP io thread -> webhook emitter: a GET of the call-information API. The
/// emitter asks the simulated carrier and answers HTTP request `ticket`.
struct sim_wire_query {
  uint64_t ticket = 0;
  bool active_calls = false; ///< false: GET /v2/calls/{call_control_id}
  std::string id;            ///< the call_control_id, or the connection id
  std::string query;         ///< active_calls: the query string (page[...])
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, sim_wire_query& x) {
  return f(caf::meta::type_name("sim_wire_query"), x.ticket, x.active_calls, x.id, x.query);
}

} // namespace ringbid
