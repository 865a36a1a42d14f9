#include "tools/node/node_intake.hpp"

#include <random>

namespace ringbid {

node_intake::node_intake(std::shared_ptr<sqlite_lead_store> store, std::shared_ptr<const wall_clock> clock,
                         uint64_t seed)
  // Mixed with the machine's entropy: two processes with one seed must not
  // name two calls alike.
  : store_(std::move(store)), clock_(std::move(clock)),
    ids_(seed ^ ((uint64_t{std::random_device{}()} << 32) | uint64_t{std::random_device{}()})) {}

void node_intake::note_start(const carrier_event& initiated, start_done done) {
  if (!taking_calls_.load()) {
    done(start_outcome::refused, call_id{});
    return;
  }
  auto now = clock_->now();
  call_id id;
  {
    std::lock_guard lock{mutex_};
    id = ids_.next(now / us_per_ms);
  }
  store_->note_call_started(initiated, id, now, [done = std::move(done), id](bool noted) {
    done(noted ? start_outcome::noted : start_outcome::duplicate, id);
  });
}

void node_intake::keep(const carrier_event& event, const std::string& event_id, keep_done done) {
  store_->keep_event(event, event_id, [done = std::move(done)](event_keeping kept) { done(kept.seq, kept.duplicate); });
}

} // namespace ringbid
