#pragma once
// The events half of a carrier port, the same for every carrier: numbers each
// event posted, hands it to the attached sink (the live carrier actor), and
// keeps it until that actor reports it forwarded. A sink attached later (the
// restarted actor) first gets every event still kept, in the order posted.
//
// A carrier adapter owns one and forwards attach, detach and forwarded to it.
// Thread-safe: adapters post from their own threads (HTTP, io, actors).

#include "actors/ports/carrier_port.hpp"
#include "protocol/carrier.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>

namespace ringbid {

class carrier_inbox {
public:
  /// Beyond `max_kept` pending events the oldest is no longer kept for a
  /// restart (the actor that has it still forwards it); counted as unkept.
  explicit carrier_inbox(size_t max_kept = 100'000);

  /// Kept and delivered, now or once a sink is attached (a carrier that cannot
  /// be asked to send again: a simulator, a command's report).
  void post(carrier_event event);
  /// Kept and delivered only while a sink is attached; false otherwise, and
  /// the event is not kept (a carrier that retries: a webhook answered 503).
  bool post_if_attached(carrier_event event);

  void attach(std::shared_ptr<carrier_event_sink> sink);
  void detach(const carrier_event_sink* sink);
  void forwarded(uint64_t ticket);

  bool attached() const;
  size_t pending() const;
  uint64_t unkept() const;

private:
  /// Under the lock: keeps `event` and delivers it to the sink, if any.
  void keep_and_deliver(carrier_event event);

  const size_t max_kept_;
  mutable std::mutex mutex_;
  std::shared_ptr<carrier_event_sink> sink_;
  uint64_t next_ticket_ = 0;
  std::map<uint64_t, carrier_event> kept_; ///< by ticket: the order posted
  uint64_t unkept_ = 0;
};

} // namespace ringbid
