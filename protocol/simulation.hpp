#pragma once
// Messages of the simulated carrier and the fault injector.

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

} // namespace ringbid
