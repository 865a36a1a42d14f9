#pragma once
// Fault injection for simulations: kills a random peer (bidder, ledger,
// recorder, carrier or call actor) at random intervals, so runs prove that
// supervision loses no call, no carrier event and no reservation.

#include "actors/node_context.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <atomic>
#include <memory>

namespace ringbid {

struct chaos_options {
  double mean_interval_ms = 500;
  bool bidders = true;
  bool ledger = true;
  bool recorder = true;
  bool carrier = true;
  bool calls = true;
  uint64_t seed = 1;
  std::shared_ptr<std::atomic<uint64_t>> kills = std::make_shared<std::atomic<uint64_t>>(0);
  /// Of those, bidder actors (their live calls must ping the restarted one).
  std::shared_ptr<std::atomic<uint64_t>> bidder_kills = std::make_shared<std::atomic<uint64_t>>(0);
  /// Of those, the carrier actor's.
  std::shared_ptr<std::atomic<uint64_t>> carrier_kills = std::make_shared<std::atomic<uint64_t>>(0);
};

caf::actor spawn_chaos(caf::local_actor* parent, chaos_options options);

} // namespace ringbid
