#pragma once
// The node's durable record of carrier events (actors/ports/durable_intake),
// on the SQLite lead store: a call's start is noted, under the id the call
// will have, before the engine hears of it (so before any command for it);
// every later event of a live call is kept before it is acknowledged.

#include "actors/ports/durable_intake.hpp"
#include "actors/ports/ports.hpp"
#include "adapters/sqlite/sqlite_lead_store.hpp"
#include "protocol/ids.hpp"

#include <atomic>
#include <memory>
#include <mutex>

namespace ringbid {

class node_intake final : public durable_intake {
public:
  node_intake(std::shared_ptr<sqlite_lead_store> store, std::shared_ptr<const wall_clock> clock, uint64_t seed);

  void note_start(const carrier_event& initiated, start_done done) override;
  void keep(const carrier_event& event, const std::string& event_id, keep_done done) override;

  /// From now on every new call is refused (the carrier retries it at the
  /// next process); events of live calls are still kept.
  void stop_taking_calls() { taking_calls_.store(false); }

private:
  std::shared_ptr<sqlite_lead_store> store_;
  std::shared_ptr<const wall_clock> clock_;
  std::atomic<bool> taking_calls_{true};
  std::mutex mutex_;
  uuid7_generator ids_; ///< under mutex_
};

} // namespace ringbid
