#pragma once
// The simulated carrier behind the carrier port: the port owns the
// simulator's world (its own actor, see sim_carrier.hpp), sends it the
// commands and posts its events into the port's inbox. The node's carrier
// actor can die at any moment; the world, its calls and its record go on.
//
// The world is spawned when the first carrier actor attaches, as the tree
// comes up, so its first call does not race the tree's own start.
//
// call_status and active_calls ask the world (a request from a short-lived
// actor, with a timeout): it knows when each call was placed and ended, and
// forgets an ended call after sim_status_kept_us, as Telnyx does.

#include "actors/ports/carrier_port.hpp"
#include "adapters/carrier/carrier_inbox.hpp"
#include "adapters/carrier/carrier_setup.hpp"
#include "adapters/sim/sim_carrier.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <atomic>
#include <memory>
#include <mutex>

namespace ringbid {

class sim_carrier_port final : public carrier_port {
public:
  /// The world will live in `sys`, dated by `clock`.
  sim_carrier_port(caf::actor_system& sys, sim_carrier_options options, std::shared_ptr<const wall_clock> clock);
  ~sim_carrier_port() override; ///< stop()s

  /// The first attach spawns the world, which starts placing calls.
  void attach(std::shared_ptr<carrier_event_sink> sink) override;
  void detach(const carrier_event_sink* sink) override { inbox_->detach(sink); }
  void forwarded(uint64_t ticket) override { inbox_->forwarded(ticket); }
  void send(const carrier_command& command) override;
  void stop() override; ///< ends the world's actor; none is spawned after
  bool ready() const override { return inbox_->attached(); }
  std::chrono::milliseconds hangup_hold() const override { return std::chrono::milliseconds{0}; }
  carrier_port_metrics metrics() const override;
  void write_metrics(std::string& out) const override;
  /// Alive, ended or unknown as the world says; nullopt before the world is
  /// spawned, after stop(), or when it does not answer within query_timeout.
  void call_status(const std::string& carrier_call_id, call_status_done done) override;
  /// The world's live calls (caller legs); nullopt as for call_status.
  void active_calls(active_calls_done done) override;
  /// How long a question to the world may take (in the actor clock's time).
  static constexpr std::chrono::seconds query_timeout{5};

  /// The world's record; complete once the world has stopped or is idle.
  std::shared_ptr<sim_carrier_report> report() const { return report_; }

private:
  caf::actor world() const; ///< null before the first attach and after stop()
  bool stopped() const;

  std::shared_ptr<carrier_inbox> inbox_ = std::make_shared<carrier_inbox>();
  std::shared_ptr<std::atomic<int64_t>> in_flight_ = std::make_shared<std::atomic<int64_t>>(0);
  std::atomic<uint64_t> sent_{0};
  std::shared_ptr<sim_carrier_report> report_;
  caf::actor_system& system_;
  sim_carrier_options options_;
  std::shared_ptr<const wall_clock> clock_;
  mutable std::mutex mutex_; ///< guards the world's handle and whether it stopped
  caf::actor world_;
  bool stopped_ = false;
};

/// The `--carrier sim` entry of the node's carrier factory: calls until the
/// node stops, at the setup's rate (or the config's carrier_sim rate).
carrier_made make_sim_carrier(const carrier_setup& setup);

} // namespace ringbid
