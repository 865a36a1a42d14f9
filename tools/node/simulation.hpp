#pragma once
// `ringbid simulate`: a whole node in-process on CAF's deterministic scheduler
// and virtual clock, with the simulated carrier and bidders. One seed, one result.

#include "actors/core/config.hpp"
#include "adapters/sim/sim_carrier.hpp"
#include "adapters/sqlite/sqlite_lead_reader.hpp"
#include "protocol/ledger.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace ringbid {

struct node_context;

struct simulation_options {
  uint64_t calls = 10'000;
  double calls_per_second = 0; ///< 0 = the config's carrier_sim rate
  uint64_t seed = 1;
  std::string db_path; ///< the SQLite file; replaced at the start of the run
  bool chaos = false;  ///< kill bidders, ledger, recorder, carrier and calls at random
  double chaos_interval_ms = 500;
  /// Called now and then with (finished, total); for progress bars.
  std::function<void(uint64_t, uint64_t)> progress;
  /// Benchmarks: stop once this much virtual time has passed (0: run to the end),
  /// calling `at_start` when the tree is up and `at_stop` before it is torn down.
  double stop_at_virtual_s = 0;
  std::function<void()> at_start;
  /// Benchmarks: the node's context once its tree is up (to install
  /// configuration generations from another thread, as the control plane does).
  std::function<void(const std::shared_ptr<node_context>&)> on_context;
  std::function<void(uint64_t live_calls)> at_stop;
  /// Ping the buyers that have a ping_url over real HTTP (the others stay
  /// simulated). HTTP needs real time, so the run leaves the deterministic
  /// scheduler: it runs on CAF's threads and the wall clock, and is not
  /// reproducible from the seed. `time_scale` shortens the calls' own delays
  /// (speech, ringing, talk), not the call rate or the auction deadline.
  bool http_bidders = false;
  double time_scale = 1.0;
  double max_wall_s = 0; ///< live runs: give up after this long (0: a bound from calls and rate)
  /// Deterministic runs: an analytics actor counts the calls as the node's
  /// does, and the report carries its figures over the whole run.
  bool analytics = false;
};

struct simulation_report {
  std::optional<metrics_report> analytics; ///< with simulation_options::analytics
  uint64_t seed = 0;
  uint64_t calls = 0;     ///< calls the carrier placed
  uint64_t completed = 0; ///< calls that reached done
  uint64_t leads_written = 0;
  lead_summary leads; ///< read back from SQLite
  uint64_t open_reservations = 0;
  uint64_t cap_denials = 0;
  uint64_t cap_journal_entries = 0;
  caps_report caps; ///< every cap's standing when the run ended
  uint64_t peer_kills = 0;
  uint64_t bidder_kills = 0;  ///< of peer_kills
  uint64_t carrier_kills = 0; ///< of the peer kills, the carrier actor's
  uint64_t call_restarts = 0;
  uint64_t calls_interrupted = 0;
  uint64_t events_ignored = 0;
  uint64_t auctions = 0; ///< rounds started
  uint64_t pings = 0;
  uint64_t bids = 0;
  double virtual_seconds = 0; ///< live runs: the run's real duration
  double wall_seconds = 0;
  bool finished = false; ///< false when the run hit its virtual time limit
  std::shared_ptr<sim_carrier_report> carrier;
};

/// Runs the simulation (live when options.http_bidders); throws
/// std::runtime_error when the database cannot be opened.
simulation_report run_simulation(const engine_config& config, const simulation_options& options);

} // namespace ringbid
