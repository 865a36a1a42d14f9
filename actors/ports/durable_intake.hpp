#pragma once
// The node's durable record of what a carrier tells it, for a carrier adapter
// that acknowledges an event (Telnyx: the webhook's 2xx) and so must not lose
// it: the adapter hands the event to the engine, and acknowledges it, only
// once the record holds it. A process that adopts the call after a restart
// replays what the record holds and the call had not handled.

#include "protocol/carrier.hpp"
#include "protocol/ids.hpp"

#include <cstdint>
#include <functional>
#include <string>

namespace ringbid {

class durable_intake {
public:
  enum class start_outcome : uint8_t {
    noted,     ///< a new call, noted durably under `id`: hand it on
    duplicate, ///< the carrier call id is a call already (live, or booked): not a new one
    refused,   ///< the node takes no new call now (it is stopping): let the carrier retry
  };
  using start_done = std::function<void(start_outcome outcome, call_id id)>;
  /// `seq`: the event's place in the record (0: not kept, its call is not
  /// live); `duplicate`: kept already under this carrier event id.
  using keep_done = std::function<void(uint64_t seq, bool duplicate)>;

  virtual ~durable_intake() = default;
  /// Notes a call's start. `done` exactly once, from any thread.
  virtual void note_start(const carrier_event& initiated, start_done done) = 0;
  /// Keeps one event of a live call, once per `event_id` (the carrier's own
  /// id of the event). `done` exactly once, from any thread.
  virtual void keep(const carrier_event& event, const std::string& event_id, keep_done done) = 0;
};

} // namespace ringbid
