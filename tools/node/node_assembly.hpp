#pragma once
// One node's adapters, built in one readable place and torn down in reverse
// order, for every way the engine runs: ringbid-node and both simulations
// (the benchmarks run through those). The caller owns the actor system (its
// scheduler differs: real threads, or CAF's deterministic coordinator) and,
// in a node, the HTTP server; the assembly owns everything between them.
//
//   build   lead store + cap journal -> DID directory (Redis in front when
//           asked) -> buyers' HTTP client -> clock -> carrier port -> parts
//   start   the supervisor tree over the parts
//   stop    the reverse: the live feed and history stop answering, the tree
//           exits, then Redis, the buyers' client and the carrier stop, and
//           the stores' callbacks are dropped, so nothing calls into an actor
//           system that is going away
// The caller keeps the stores past the actor system to flush them at the end.

#include "adapters/analytics/sse_hub.hpp"
#include "adapters/carrier/carrier_setup.hpp"
#include "adapters/http/http_client.hpp"
#include "adapters/sqlite/sqlite_cap_journal.hpp"
#include "adapters/sqlite/sqlite_lead_store.hpp"
#include "adapters/sqlite/sqlite_metrics_history.hpp"
#include "tools/node/wiring.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>
#include <caf/timespan.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace ringbid {

struct assembly_options {
  std::string db_path;
  bool replace_database = false; ///< a simulation starts from an empty file
  /// A node's records: synchronous FULL, a lead acknowledged to its call once
  /// committed, the journal's durability reported. Off: a simulation's.
  bool durable = true;
  std::string redis_url;     ///< DID lookups through Redis; "" = in-process only
  bool http_bidders = false; ///< buyers with a ping_url pinged over HTTP
  uint64_t seed = 1;
  timestamp_us epoch = 0; ///< where the clock starts; 0 = now (real time)
  /// Builds the carrier port once the clock and the lead store exist.
  std::function<carrier_made(caf::actor_system&, std::shared_ptr<const wall_clock>, std::shared_ptr<sqlite_lead_store>)>
    carrier;
};

class node_assembly {
public:
  /// Every adapter, in order; null with `error` when one cannot be built
  /// (`bad_option` set when the caller's options are at fault).
  static std::unique_ptr<node_assembly> build(caf::actor_system& sys, const engine_config& config,
                                              assembly_options options, std::string* error, bool* bad_option = nullptr);
  ~node_assembly(); ///< stop()s without waiting for the tree
  node_assembly(const node_assembly&) = delete;
  node_assembly& operator=(const node_assembly&) = delete;

  /// An analytics actor counts the calls into `book`, publishing to `hub` and
  /// reading older figures from `history` (either may be null; both are
  /// stopped with the assembly) every `tick` (0: never). Before start().
  void count_calls(std::shared_ptr<analytics_book> book, std::shared_ptr<sse_hub> hub = nullptr,
                   std::shared_ptr<sqlite_metrics_history> history = nullptr, caf::timespan tick = {});

  /// Spawns the supervisor tree over the parts; returns its root.
  caf::actor start(std::optional<chaos_options> chaos = std::nullopt);

  /// Tears down in reverse order (see above). `await` makes the root exit and
  /// waits for it: blocking on real threads, running the coordinator on virtual
  /// time. Idempotent.
  void stop(const std::function<void(const caf::actor& tree)>& await);

  std::shared_ptr<const engine_config> config;
  std::shared_ptr<sqlite_lead_store> store;
  std::shared_ptr<sqlite_cap_journal> journal;
  did_directory_parts dids;
  std::shared_ptr<http_client> bid_client; ///< with http_bidders
  std::shared_ptr<const wall_clock> clock;
  std::shared_ptr<carrier_port> carrier;
  node_parts parts;
  caf::actor root; ///< once started

private:
  node_assembly() = default;

  caf::actor_system* system = nullptr;
  std::shared_ptr<sse_hub> hub;
  std::shared_ptr<sqlite_metrics_history> history;
  bool stopped = false;
};

} // namespace ringbid
