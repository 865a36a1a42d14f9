#pragma once
// Adopting a live call left by a process that is gone, pure: from what the
// durable record holds of the call and what the carrier says of it, what the
// adopting process does with it.

#include "protocol/adoption.hpp"
#include "protocol/call_snapshot.hpp"
#include "protocol/carrier.hpp"

#include <vector>

namespace ringbid {

struct adoption_plan {
  enum class action : uint8_t {
    resume,  ///< a call actor resumed from `snapshot` (call_resumed), then `events`
    restart, ///< no snapshot: a call actor set up from its start (routed again), then `events`
    book,    ///< no actor: book `snapshot` as it stands (interrupted, ended at `snapshot.ended_at`)
  };
  action what = action::resume;
  call_snapshot snapshot;
  /// In order, numbered after the snapshot's last_event_sequence.
  std::vector<carrier_event> events;
  bool hangup_added = false; ///< the carrier's end of the call, not among the kept events
};

/// `now`: the adopting process's time. A call the carrier ended meanwhile gets
/// a caller hangup at the carrier's end_time (unless one is kept), so it is
/// billed with the carrier's times; one the carrier does not know any more, or
/// that ended before it was ever set up, is booked as interrupted.
adoption_plan plan_adoption(const adoptable_call& call, timestamp_us now);

} // namespace ringbid
