#pragma once
// Messages a call actor sends itself or receives from the calls supervisor:
// they never leave the actor tree, so they live here and not in protocol/
// (registered by add_actor_types, actors/actor_types.hpp).

#include "protocol/call_snapshot.hpp"

#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>

namespace ringbid {

/// A watchdog a call armed; stale generations are ignored (CAF 0.17 cannot
/// cancel a delayed message).
struct call_timer {
  timer_kind kind = timer_kind::answer;
  uint32_t generation = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, call_timer& x) {
  return f(caf::meta::type_name("call_timer"), x.kind, x.generation);
}

/// The auction round's deadline passed.
struct round_deadline {
  uint32_t round = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, round_deadline& x) {
  return f(caf::meta::type_name("round_deadline"), x.round);
}

/// Calls supervisor -> call: the node is draining, end the call now.
struct end_call {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, end_call&) {
  return f(caf::meta::type_name("end_call"));
}

/// Calls supervisor -> call: the process is handing its calls over to the
/// next one (a deploy). Keep your state durably and stop, leaving the call
/// as it is at the carrier; the next process adopts it.
struct hand_over_call {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, hand_over_call&) {
  return f(caf::meta::type_name("hand_over_call"));
}

/// Call -> calls supervisor: its state is with the recorder, it stops now.
struct call_handed_over {
  std::string carrier_call_id;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, call_handed_over& x) {
  return f(caf::meta::type_name("call_handed_over"), x.carrier_call_id);
}

} // namespace ringbid
