#pragma once
// Adopting the live calls of a process that is gone (a restart, a deploy, a
// crash): what the durable record holds of each, what the carrier says of it,
// and what the calls supervisor did with them.

#include "protocol/call_snapshot.hpp"
#include "protocol/carrier.hpp"
#include "protocol/ids.hpp"
#include "protocol/lead.hpp"
#include "protocol/time.hpp"

#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace ringbid {

/// What the carrier said of a call when it was adopted.
enum class carrier_verdict : uint8_t {
  alive,   ///< up at the carrier: the call goes on
  ended,   ///< ended while no process ran it: booked from the carrier's times
  unknown, ///< the carrier has no record of it: booked as interrupted
  unasked, ///< the carrier could not be asked: the call goes on, its watchdogs guard it
};

std::string_view to_string(carrier_verdict v) noexcept;

/// One live call as the durable record keeps it.
struct adoptable_call {
  std::string carrier_call_id;
  call_id id;
  std::string did;
  std::string caller;
  timestamp_us started_at = 0;
  /// The call's state as of its latest durable checkpoint; absent when the
  /// engine had not checkpointed it yet (only its start was noted).
  bool has_snapshot = false;
  call_snapshot snapshot;
  /// Carrier events kept for it that the snapshot has not handled, in the
  /// order received.
  std::vector<carrier_event> pending;
  lead_record provisional; ///< the lead it would be booked as if it cannot go on (id nil: none)
  carrier_verdict verdict = carrier_verdict::unasked;
  timestamp_us carrier_ended_at = 0; ///< verdict ended: the carrier's end_time
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, adoptable_call& x) {
  return f(caf::meta::type_name("adoptable_call"), x.carrier_call_id, x.id, x.did, x.caller, x.started_at,
           x.has_snapshot, x.snapshot, x.pending, x.provisional, x.verdict, x.carrier_ended_at);
}

/// Node -> calls supervisor, once at start: run these calls. Answered with
/// `adoption_report` once every one of them has an actor (or is booked).
struct adopt_calls {
  std::vector<adoptable_call> calls;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, adopt_calls& x) {
  return f(caf::meta::type_name("adopt_calls"), x.calls);
}

struct adoption_report {
  uint64_t resumed = 0;    ///< from their snapshot, going on
  uint64_t restarted = 0;  ///< no snapshot yet: set up again from their start
  uint64_t ended = 0;      ///< ended at the carrier meanwhile: booked from its times
  uint64_t unknown = 0;    ///< unknown to the carrier: booked as interrupted
  uint64_t replayed = 0;   ///< kept events handed to the adopted calls
  uint64_t duplicates = 0; ///< already live here: left alone
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, adoption_report& x) {
  return f(caf::meta::type_name("adoption_report"), x.resumed, x.restarted, x.ended, x.unknown, x.replayed,
           x.duplicates);
}

} // namespace ringbid
